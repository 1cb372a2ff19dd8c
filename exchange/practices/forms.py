"""Forms of the library's pages. The rules themselves are checked in services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace
from typing import Any

from babel.numbers import format_decimal
from babel.numbers import NumberFormatError
from babel.numbers import parse_decimal
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import EmailField
from wtforms import FieldList
from wtforms import FloatField
from wtforms import Form
from wtforms import FormField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SearchField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation

from ..event.models import Room
from .labels import FIELD_LABELS
from .labels import INDICATOR_LABELS
from .licences import DEFAULT_LICENCE
from .licences import LICENCES
from .models import MARKDOWN_FIELDS
from .models import STANDARD_INDICATORS
from .services import OtherIndicator
from .services import PracticeContent
from .services import REQUIRED_FOR_SUBMISSION

#: Blank rows offered for new free indicators (the form works without JavaScript).
BLANK_INDICATOR_ROWS = 2

MARKDOWN_HINTS: dict[str, Any] = {
    "challenge": _l("The problem or the need you started from."),
    "actions": _l("What you did, step by step, with whom."),
    "results": _l("What changed, measured where you can. Put the figures in the indicators too."),
    "funding": _l("What it cost and who paid: EU funds, national funds, own budget, citizens."),
    "failures": _l(
        "What went less well, and why. Other administrations learn as much from this as "
        "from the successes."
    ),
    "lessons": _l("What you would do again, and what differently."),
    "transferability": _l(
        "What another administration needs to repeat it: skills, partners, rules, time, money."
    ),
}


def _indicator_label(name: str) -> Any:
    label, unit = INDICATOR_LABELS[name]
    return _l("%(name)s (%(unit)s)", name=label, unit=unit)


def _markdown_field(name: str) -> TextAreaField:
    return TextAreaField(
        FIELD_LABELS[name], description=MARKDOWN_HINTS[name], render_kw={"rows": 8}
    )


@dataclass(frozen=True)
class Step:
    """One page of the guided form: a few fields that are saved together."""

    name: str
    title: Any
    intro: Any
    fields: tuple[str, ...] = ()


#: The guided form, in the order a writer goes through it. Each step is a form of
#: its own that saves and moves on; the last one says what is missing and submits.
STEPS = (
    Step(
        "about",
        _l("What and where"),
        _l("Name the practice, say where it belongs and when it happened."),
        ("title", "theme", "summary", "language", "tags", "year_from", "year_to"),
    ),
    Step(
        "story",
        _l("The story"),
        _l("The problem you started from and what you did about it."),
        ("challenge", "actions"),
    ),
    Step(
        "results",
        _l("Results and numbers"),
        _l("What changed, what it cost, and the figures that show it."),
        ("results", "funding", *STANDARD_INDICATORS, "other_indicators"),
    ),
    Step(
        "lessons",
        _l("Lessons and transferability"),
        _l("What others can learn from it, where to read more, and who to ask."),
        ("failures", "lessons", "transferability", "links", "public_email", "licence"),
    ),
    Step(
        "files",
        _l("Pictures and documents"),
        _l("Photos and documents that show the practice."),
    ),
    Step(
        "review",
        _l("Review and submit"),
        _l("Check what is still missing, then submit the practice for review."),
    ),
)
STEPS_BY_NAME = {step.name: step for step in STEPS}
#: Fields without which a step cannot be saved at all (a draft may lack the others).
REQUIRED_TO_SAVE = ("title", "theme")
#: Fields marked as required: needed to save, or to submit for review.
REQUIRED_FIELDS = frozenset((*REQUIRED_TO_SAVE, *REQUIRED_FOR_SUBMISSION))


def step_of(name: str) -> Step:
    """The step of the guided form where a field is written."""
    return next(step for step in STEPS if name in step.fields)


class LocalNumberField(FloatField):
    """A number as people of the reader's language write it: 1.234,5 in Italian, 1,234.5 in English.

    Spaces between thousands are allowed in every language; a number written the
    English way (170.5) is understood everywhere it is not ambiguous. The value is
    shown again in the reader's own way, so that saving twice never changes it.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = "".join(str(valuelist[0]).split()).replace("'", "") if valuelist else ""
        if not raw:
            self.data = None
            return
        locale = get_locale() or "en"
        try:
            self.data = float(parse_decimal(raw, locale=locale, strict=True))
        except (NumberFormatError, ArithmeticError, ValueError):
            try:
                self.data = float(raw) if raw.isascii() else None
            except ValueError:
                self.data = None
            if self.data is None:
                example = format_decimal(1234.5, locale=locale, group_separator=False)
                raise ValueError(
                    _("Enter a number, such as %(example)s.", example=example)
                ) from None

    def pre_validate(self, form: Any) -> None:
        # What was typed is not a number: say that alone, not also that it is out of range.
        if self.process_errors:
            raise StopValidation()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return str(format_decimal(self.data, format="0.##########", locale=get_locale() or "en"))


class OtherIndicatorForm(Form):
    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    value = LocalNumberField(_l("Value"), validators=[Optional()])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=40)])


class PracticeForm(FlaskForm):
    title = StringField(FIELD_LABELS["title"], validators=[DataRequired(), Length(max=200)])
    theme = SelectField(FIELD_LABELS["theme"], coerce=str, validators=[DataRequired()])
    summary = TextAreaField(
        FIELD_LABELS["summary"],
        description=_l("One paragraph of plain text that says what, where and with which result."),
        render_kw={"rows": 4},
    )
    # The services check the choice, and say what is wrong with it.
    language = SelectField(
        FIELD_LABELS["language"],
        coerce=str,
        validate_choice=False,
        description=_l(
            "The language of your texts. Readers can look for practices in their language, "
            "and screen readers read it correctly."
        ),
    )
    tags = StringField(
        FIELD_LABELS["tags"],
        description=_l("Words that help people find it, separated by commas: solar, schools."),
    )
    challenge = _markdown_field("challenge")
    actions = _markdown_field("actions")
    results = _markdown_field("results")
    co2_reduction_t_per_year = LocalNumberField(
        _indicator_label("co2_reduction_t_per_year"), validators=[Optional(), NumberRange(min=0)]
    )
    energy_saved_mwh_per_year = LocalNumberField(
        _indicator_label("energy_saved_mwh_per_year"), validators=[Optional(), NumberRange(min=0)]
    )
    renewable_produced_mwh_per_year = LocalNumberField(
        _indicator_label("renewable_produced_mwh_per_year"),
        validators=[Optional(), NumberRange(min=0)],
    )
    cost_eur = LocalNumberField(
        _indicator_label("cost_eur"), validators=[Optional(), NumberRange(min=0)]
    )
    jobs = LocalNumberField(_indicator_label("jobs"), validators=[Optional(), NumberRange(min=0)])
    citizens_involved = LocalNumberField(
        _indicator_label("citizens_involved"), validators=[Optional(), NumberRange(min=0)]
    )
    other_indicators = FieldList(FormField(OtherIndicatorForm), min_entries=BLANK_INDICATOR_ROWS)
    funding = _markdown_field("funding")
    failures = _markdown_field("failures")
    lessons = _markdown_field("lessons")
    transferability = _markdown_field("transferability")
    year_from = IntegerField(FIELD_LABELS["year_from"], validators=[Optional()])
    year_to = IntegerField(
        FIELD_LABELS["year_to"],
        validators=[Optional()],
        description=_l("Leave empty while it is still going on."),
    )
    links = TextAreaField(
        FIELD_LABELS["links"],
        description=_l("Web pages about it (reports, videos, news), one address per line."),
        render_kw={"rows": 3},
    )
    public_email = EmailField(
        FIELD_LABELS["public_email"],
        validators=[Optional(), Length(max=254)],
        description=_l(
            "You are named as the contact. Give an address here to show it to readers; "
            "leave it empty to keep yours private."
        ),
    )
    # The services check the choice, and say what is wrong with it.
    licence = SelectField(
        FIELD_LABELS["licence"],
        choices=[(licence.id, licence.name) for licence in LICENCES.values()],
        default=DEFAULT_LICENCE,
        validate_choice=False,
        description=_l(
            "When it is published, anyone may reuse your texts under this licence, naming "
            "your administration. It stays published after the event."
        ),
    )
    based_on_revision = HiddenField()

    def fill(self, content: PracticeContent, based_on_revision: int | None) -> None:
        """Prefill the form with a practice's content (on GET)."""
        self.title.data = content.title
        self.theme.data = content.theme.slug
        self.summary.data = content.summary
        self.language.data = content.language or ""
        self.tags.data = ", ".join(content.tags)
        for name in (*MARKDOWN_FIELDS, *STANDARD_INDICATORS, "year_from", "year_to"):
            getattr(self, name).data = getattr(content, name)
        self.links.data = "\n".join(content.links)
        self.public_email.data = content.public_email
        self.licence.data = content.licence
        self.based_on_revision.data = str(based_on_revision or "")
        while len(self.other_indicators):
            self.other_indicators.pop_entry()
        for item in content.other_indicators:
            self.other_indicators.append_entry(
                {"name": item.name, "value": item.value, "unit": item.unit}
            )
        for _blank in range(BLANK_INDICATOR_ROWS):
            self.other_indicators.append_entry()

    def content(self, theme: Room) -> PracticeContent:
        """What the writer sent, for the services to check and store."""
        texts: dict[str, Any] = {name: getattr(self, name).data or "" for name in MARKDOWN_FIELDS}
        amounts: dict[str, Any] = {name: getattr(self, name).data for name in STANDARD_INDICATORS}
        return PracticeContent(
            title=self.title.data or "",
            theme=theme,
            summary=self.summary.data or "",
            language=self.language.data or None,
            tags=(self.tags.data or "").split(","),
            **texts,
            **amounts,
            other_indicators=[
                OtherIndicator(
                    row.form.name.data or "", row.form.value.data, row.form.unit.data or ""
                )
                for row in self.other_indicators
                # A row with anything typed in it is kept, to be checked, never dropped.
                if (row.form.name.data or "").strip()
                or row.form.value.data is not None
                or (row.form.unit.data or "").strip()
            ],
            year_from=self.year_from.data,
            year_to=self.year_to.data,
            links=(self.links.data or "").splitlines(),
            public_email=self.public_email.data or "",
            licence=self.licence.data or DEFAULT_LICENCE,
        )

    def validate_step(self, step: Step) -> bool:
        """Check what a step's page sent (its fields and the CSRF token), and only that."""
        checked = [self[name] for name in step.fields]
        if self.meta.csrf:
            checked.append(self["csrf_token"])
        # Each field is checked even after one fails, so that every error shows at once.
        return all([field.validate(self) for field in checked])

    def shows(self, values: Mapping[str, str]) -> bool:
        """Whether the form already shows these typed values (a kept copy of what is saved)."""
        for key, value in values.items():
            if key == "based_on_revision":
                continue
            name, _sep, rest = key.partition("-")
            field: Any = self[name] if name in self else None
            if field is not None and rest:
                index, _sep, part = rest.partition("-")
                rows = field.entries
                row = rows[int(index)] if index.isdigit() and int(index) < len(rows) else None
                field = row.form[part] if row is not None and part in row.form else None
            if field is None:
                return False
            shown = str(field._value() if hasattr(field, "_value") else field.data or "")
            if " ".join(shown.split()) != " ".join(str(value).split()):
                return False
        return True

    def restore(self, values: Mapping[str, str], step: Step) -> None:
        """Show what the writer typed in a step's fields and did not save (their autosave)."""
        formdata = MultiDict(values)
        for name in step.fields:
            if name in values or any(key.startswith(f"{name}-") for key in values):
                self[name].process(formdata)
        if "based_on_revision" in values:
            self.based_on_revision.data = values["based_on_revision"]

    def step_content(self, content: PracticeContent, step: Step, theme: Room) -> PracticeContent:
        """``content`` with what the writer sent on one step of the guided form."""
        sent = self.content(theme)
        return replace(content, **{name: getattr(sent, name) for name in step.fields})

    @property
    def revision_seen(self) -> int | None:
        raw = self.based_on_revision.data or ""
        return int(raw) if raw.isdigit() else None


class ReviewForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment for the writers"),
        description=_l("Required when sending back: say what to change."),
        render_kw={"rows": 3},
    )
    #: The revision the reviewer read: a decision is never made on a text they did not see.
    reviewed = HiddenField()

    @property
    def reviewed_revision(self) -> int | None:
        value = (self.reviewed.data or "").strip()
        return int(value) if value.isdigit() and len(value) < 19 else None


class ShareForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired()], render_kw={"rows": 2})
    client_id = HiddenField()


class SearchForm(FlaskForm):
    """The filters of the public list; read from the query string, never posted."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])
    theme = SelectField(_l("Theme"), coerce=str, validators=[Optional()])
    country = SelectField(_l("Country"), coerce=str, validators=[Optional()])
    administration = SelectField(_l("Administration"), coerce=str, validators=[Optional()])
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=40)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1900, max=2100)])
    language = SelectField(_l("Language"), coerce=str, validators=[Optional()])
