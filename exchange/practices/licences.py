"""The short list of open licences a practice may be published under.

Writers choose one when they write a practice; CC BY 4.0 unless they choose
another. Each is named by its SPDX identifier, which is what the database,
the API, the feeds and the bulk downloads carry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Licence:
    """An open licence: its SPDX identifier, its short name and its legal text's address."""

    id: str
    name: str
    url: str

    def json(self) -> dict[str, str]:
        """Describe the licence as the API and the bulk downloads give it."""
        return {"id": self.id, "name": self.name, "url": self.url}


DEFAULT_LICENCE = "CC-BY-4.0"

#: The licences writers choose from, the default first. Names are the licences' own,
#: not translated.
LICENCES: dict[str, Licence] = {
    licence.id: licence
    for licence in (
        Licence("CC-BY-4.0", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
        Licence("CC-BY-SA-4.0", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        Licence("CC0-1.0", "CC0 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    )
}


def licence_of(code: str | None) -> Licence:
    """Return the licence with this SPDX identifier, or the default for an unknown one."""
    return LICENCES.get(code or "", LICENCES[DEFAULT_LICENCE])
