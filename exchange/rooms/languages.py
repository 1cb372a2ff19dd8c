"""The language of a chat message whose writer did not say it: read from its words.

py3langid (BSD-3-Clause, a fork of Marco Lui's langid.py) scores a text against 97
languages with a naive Bayes model of byte n-grams. The model is read once per
process, the first time a message needs it, never at import. A message gets a
language only when the model's first choice is one the event speaks and it is sure
enough among those; anything short, unclear or in another language stays "not
said", never the reader's interface language.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import current_app

from ..i18n import CONTENT_LANGUAGES
from ..offload import run_off_loop

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

    from ..event.models import Event
    from ..event.models import Room

logger = logging.getLogger(__name__)

#: The services' ``language`` when the writer did not say: detect it from the words.
DETECT_LANGUAGE = "detect"
#: Characters of a message read: its start tells its language as well as the whole, and
#: the cost stays bounded (about half a millisecond for 2,000 characters).
SAMPLE_LENGTH = 2000
#: Links and @names say nothing of the language the words around them are in.
NOT_WORDS = re.compile(r"(?:https?://|www\.)\S+|@\w+", re.IGNORECASE)

_model: LanguageIdentifier | None = None
_loading = threading.Lock()


def offered_languages(room: Room, event: Event | None) -> frozenset[str]:
    """The languages a message of ``room`` may be found to be in: the interface's, and any
    the event file gives the event's or the room's texts in, among those people may
    choose for a message.

    The caller passes the event it read already (sending checks the event's phase):
    finding the language costs no statement of its own.
    """
    languages = {code.split("_")[0] for code in current_app.config["LANGUAGES"]}
    texts = [room.names, room.descriptions]
    if event is not None:
        texts += [event.names, event.descriptions, event.locations]
    for table in texts:
        languages.update(table)
    return frozenset(code for code in languages if code in CONTENT_LANGUAGES)


def detect_language(text: str, languages: Iterable[str]) -> str | None:
    """The language ``text`` is written in, one of ``languages``; None when unsure.

    Too few letters (``LANGUAGE_DETECTION_MIN_LETTERS``) say nothing. The model
    ranks every language it knows: the text gets the first only when it is one of
    ``languages`` (a Spanish text is not guessed to be Italian because Spanish is not
    offered) and holds at least ``LANGUAGE_DETECTION_MIN_CONFIDENCE`` of the
    probability shared among ``languages``.
    """
    config = current_app.config
    sample = NOT_WORDS.sub(" ", text[:SAMPLE_LENGTH])
    if sum(character.isalpha() for character in sample) < config["LANGUAGE_DETECTION_MIN_LETTERS"]:
        return None
    offered = set(languages)
    ranking = _identifier().rank(sample)
    best, _ = ranking[0]
    if best not in offered:
        return None
    share = sum(probability for language, probability in ranking if language in offered)
    confidence = dict(ranking)[best] / share if share > 0 else 0.0
    if confidence < config["LANGUAGE_DETECTION_MIN_CONFIDENCE"]:
        return None
    return best


def preload() -> None:
    """Read the model now. A serving process does so as it starts: read on first use,
    it held the first messages of a busy room for the half second it takes."""
    _identifier()


def _identifier() -> LanguageIdentifier:
    """The model, read on first use (about a second, off the event loop when served)."""
    if _model is None:
        with _loading:
            if _model is None:
                _load()
    assert _model is not None
    return _model


def _load() -> None:
    global _model
    # Imported here: numpy and the model load only in a process that detects languages.
    from py3langid.langid import LanguageIdentifier
    from py3langid.langid import MODEL_FILE

    _model = run_off_loop(LanguageIdentifier.from_model_file, MODEL_FILE, norm_probs=True)
    logger.info("language detection model loaded (%d languages)", len(_model.labels))
