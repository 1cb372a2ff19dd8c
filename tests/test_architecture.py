"""How the modules of exchange/ may depend on each other (docs/architecture.md)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "exchange"


@dataclass(frozen=True)
class LazyImport:
    module: str
    line: int
    text: str
    explained: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


#: Every module of the application; Alembic's migration scripts are run, never imported.
MODULES = {
    module_name(path): path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts
}


def imported_modules(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The modules of exchange/ that one import statement loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & MODULES.keys()
    if node.level:
        base = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            base = base.rpartition(".")[0]
        target = f"{base}.{node.module}" if node.module else base
    else:
        target = node.module or ""
    found = set()
    for alias in node.names:
        submodule = f"{target}.{alias.name}"
        found.add(submodule if submodule in MODULES else target)
    return found & MODULES.keys()


def _runs_at_import(statements: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The import statements a module runs when it is imported (not those for type checkers)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in statements:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            found += _runs_at_import(node.body) + _runs_at_import(node.orelse)
        elif isinstance(node, ast.Try):
            found += _runs_at_import(node.body) + _runs_at_import(node.orelse)
            for handler in node.handlers:
                found += _runs_at_import(handler.body)
    return found


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = set().union(
            *(imported_modules(module, node) for node in _runs_at_import(tree.body))
        )
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph[module]:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def lazy_imports() -> list[LazyImport]:
    """Imports inside functions, and whether a comment says why they are there.

    The comment is on the import's own line, or just above the block of
    imports it starts.
    """
    found = []
    for module, path in sorted(MODULES.items()):
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        functions = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        statements = {
            node
            for function in functions
            for node in ast.walk(function)
            if isinstance(node, ast.Import | ast.ImportFrom)
        }
        import_lines = {
            number
            for node in statements
            for number in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        }
        for node in sorted(statements, key=lambda node: node.lineno):
            above = node.lineno - 1
            while above in import_lines:
                above -= 1
            explained = "#" in lines[node.lineno - 1] or lines[above - 1].strip().startswith("#")
            found.append(LazyImport(module, node.lineno, lines[node.lineno - 1], explained))
    return found


def test_the_checker_finds_a_cycle_and_resolves_relative_imports():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    graph = import_graph()
    assert "exchange.extensions" in graph["exchange.realtime"]
    assert "exchange.rooms.presence" in graph["exchange.realtime"]


def test_no_module_level_import_cycle_in_exchange():
    assert cycles(import_graph()) == []


def test_every_function_level_import_says_why():
    unexplained = [
        f"{lazy.module}:{lazy.line} {lazy.text.strip()}"
        for lazy in lazy_imports()
        if not lazy.explained
    ]
    assert unexplained == []


@pytest.mark.parametrize("module", ["exchange.realtime", "exchange.lifecycle"])
def test_emitting_and_the_process_lifecycle_import_at_the_top(module):
    assert [lazy for lazy in lazy_imports() if lazy.module == module] == []


#: The sets of roles the permission table is written with.
ROLE_SETS = {"EVERY_ROLE", "DELEGATES", "STAFF", "ORGANIZERS"}
#: Where roles may be compared: the permission table, and the Role enum's own module.
ROLE_HOMES = {"exchange.permissions", "exchange.accounts.models"}


def _is_a_role(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "role" or _names_roles(node)
    return isinstance(node, ast.Name) and node.id == "role"


def _names_roles(node: ast.expr) -> bool:
    """``Role.ORGANIZER`` or ``STAFF``: roles written out, as only the table may."""
    if isinstance(node, ast.Attribute):
        return isinstance(node.value, ast.Name) and node.value.id == "Role"
    return isinstance(node, ast.Name) and node.id in ROLE_SETS


def _compares_roles(node: ast.Compare) -> bool:
    """``user.role in STAFF``, ``role is Role.ORGANIZER``; not ``previous is role``."""
    operands = [node.left, *node.comparators]
    if any(_names_roles(operand) for operand in operands):
        return True
    return _is_a_role(node.left) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops)


def role_comparisons() -> list[str]:
    """Places outside the permission table that decide something by comparing roles."""
    found = []
    for module, path in sorted(MODULES.items()):
        if module in ROLE_HOMES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and _compares_roles(node):
                found.append(f"{module}:{node.lineno} {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom) and ROLE_SETS & {a.name for a in node.names}:
                found.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    return found


@pytest.mark.parametrize(
    ("code", "compares_roles"),
    [
        ("user.role in STAFF", True),
        ("actor.role is not Role.ORGANIZER", True),
        ("role is Role.DELEGATE", True),
        ("user.role in allowed", True),
        ("previous is role", False),
        ("user.id == target.id", False),
    ],
)
def test_the_role_checker_tells_a_decision_from_a_change(code, compares_roles):
    node = ast.parse(code, mode="eval").body
    assert isinstance(node, ast.Compare) and _compares_roles(node) is compares_roles


def test_no_role_comparison_outside_the_permission_table():
    assert role_comparisons() == []
