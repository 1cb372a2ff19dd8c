"""What the fields, indicators and states of a practice are called, in the reader's language.

Forms, pages, error messages and the e-book all name things from here.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from markupsafe import Markup

from ..templating import number
from .models import Practice
from .models import PracticeStatus
from .models import RevisionAction
from .models import STANDARD_INDICATORS
from .search import WORD_RE

FIELD_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "language": _l("Language of the practice"),
    "theme": _l("Theme"),
    "tags": _l("Tags"),
    "challenge": _l("The challenge"),
    "actions": _l("What was done"),
    "results": _l("Results"),
    "funding": _l("Cost and funding sources"),
    "failures": _l("What did not work"),
    "lessons": _l("Lessons learned"),
    "transferability": _l("Transferability: what another administration needs to repeat it"),
    "other_indicators": _l("Other indicators"),
    "year_from": _l("From (year)"),
    "year_to": _l("To (year)"),
    "links": _l("Links"),
    "public_email": _l("Public contact email"),
    "licence": _l("Licence"),
}

#: Each standard indicator's name and unit.
INDICATOR_LABELS: dict[str, tuple[Any, Any]] = {
    "co2_reduction_t_per_year": (_l("CO₂ reduction"), _l("t/year")),
    "energy_saved_mwh_per_year": (_l("Energy saved"), _l("MWh/year")),
    "renewable_produced_mwh_per_year": (_l("Renewable energy produced"), _l("MWh/year")),
    "cost_eur": (_l("Implementation cost"), _l("EUR")),
    "jobs": (_l("Jobs created"), _l("jobs")),
    "citizens_involved": (_l("Citizens involved"), _l("people")),
}

#: The figures the totals page opens with, each in words a reader takes in at a glance.
HEADLINE_INDICATORS: dict[str, Any] = {
    "co2_reduction_t_per_year": _l("t CO₂ a year avoided"),
    "energy_saved_mwh_per_year": _l("MWh a year saved"),
    "renewable_produced_mwh_per_year": _l("MWh a year produced from renewables"),
    "cost_eur": _l("euros invested"),
    "citizens_involved": _l("people involved"),
}

STATUS_LABELS: dict[PracticeStatus, Any] = {
    PracticeStatus.DRAFT: _l("Draft"),
    PracticeStatus.SUBMITTED: _l("Submitted for review"),
    PracticeStatus.PUBLISHED: _l("Published"),
}

REVISION_LABELS: dict[RevisionAction, Any] = {
    RevisionAction.CREATED: _l("Created"),
    RevisionAction.EDITED: _l("Edited"),
    RevisionAction.SUBMITTED: _l("Submitted for review"),
    RevisionAction.PUBLISHED: _l("Published"),
    RevisionAction.RETURNED: _l("Sent back to the writers"),
    RevisionAction.PROPOSED: _l("Change proposed, waiting for review"),
    RevisionAction.EDIT_PUBLISHED: _l("Change published"),
    RevisionAction.EDIT_RETURNED: _l("Change sent back to the writers"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def period_text(practice: Practice) -> str:
    """When a practice ran: "2019–2022", "since 2021", or nothing when unknown."""
    if practice.year_from is None:
        return ""
    if practice.year_to is None:
        return _("since %(year)d", year=practice.year_from)
    if practice.year_to == practice.year_from:
        return str(practice.year_from)
    return f"{practice.year_from}–{practice.year_to}"


def indicator_lines(practice: Practice) -> list[tuple[str, str]]:
    """Every indicator a practice gives, as (name, "value unit"), standard ones first."""
    lines = []
    for name in STANDARD_INDICATORS:
        value = getattr(practice, name)
        if value is not None:
            label, unit = INDICATOR_LABELS[name]
            lines.append((str(label), f"{number(value)} {unit}"))
    for item in practice.indicators:
        lines.append((item.name, f"{number(item.value)} {item.unit}".strip()))
    return lines


def _folded(text: str) -> str:
    """Lower case without accents, as the search compares words ("Città" is "citta")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def highlight(text: str, terms: list[str]) -> Markup:
    """Escape ``text`` and mark the words a search found in it (those the terms begin)."""
    folded = [_folded(term) for term in terms]
    if not folded:
        return escape(text)
    parts, end = [], 0
    for match in WORD_RE.finditer(text):
        if any(_folded(match.group()).startswith(term) for term in folded):
            parts += [escape(text[end : match.start()]), Markup("<mark>%s</mark>") % match.group()]
            end = match.end()
    parts.append(escape(text[end:]))
    return Markup("").join(parts)
