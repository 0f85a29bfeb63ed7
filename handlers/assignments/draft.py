"""The /assign dialog's typed draft, the check of the choices so far, and the screens it passes through."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardMarkup

from bot.assignments import service
from bot.assignments.options import ANY, ANY_AREA, ANY_LANGUAGE, Areas, areas
from bot.clock import Clock
from bot.config import Settings
from bot.languages import HELPER_LANGUAGES, name_in
from bot.text import N_, Html, Translator
from handlers.assignments.callbacks import NewCb, NewStep
from handlers.assignments.views import kind_label, language_label
from handlers.kit import Draft, button, cancel_row, grid, keyboard
from handlers.when import day_label, examples

CHOICE_STEPS = (NewStep.KIND, NewStep.LANGUAGE, NewStep.AREA, NewStep.DAY, NewStep.TIME)
QUICK_DAYS = 7  # today (when there is still time), tomorrow, and the weekdays after
# The start times offered as buttons (minutes of the day); any other is typed ("10:45").
QUICK_TIMES = tuple(hour * 60 for hour in range(8, 19))  # 08:00 to 18:00

DESCRIPTION_PROMPT = N_(
    "Describe in one or two sentences what is needed, for example “appointment at the immigration office, "
    "extension of the residence permit”.\n\n"
    "<b>No names, phone numbers or addresses here</b>: all helpers see this text. The exact address and "
    "contact come in the next step."
)


class AssignDraft(Draft):
    """The choices so far, then the two texts."""

    kind: str = ""
    language: str = ""
    area: str = ""
    day: date | None = None
    flexible: bool = False
    minute: int | None = None
    description: str = ""
    details: str | None = None

    @classmethod
    def of(cls, cb: NewCb) -> AssignDraft:
        return cls(
            kind=cb.kind,
            language=cb.language,
            area=cb.area,
            day=chosen_day(cb),
            flexible=cb.flexible,
            minute=cb.minute if cb.minute >= 0 else None,
        )

    def new_assignment(self) -> service.NewAssignment:
        return service.NewAssignment(
            kind=self.kind,
            language=self.language,
            area=self.area,
            day=None if self.flexible else self.day,
            minute=None if self.flexible else self.minute,
            description=self.description,
            details=self.details,
        )


def chosen_day(cb: NewCb) -> date | None:
    """The YYYYMMDD of the button as a date; None when none (or nonsense) was chosen."""
    try:
        return date(cb.day // 10000, cb.day // 100 % 100, cb.day % 100) if cb.day else None
    except ValueError:
        return None


def check_step(cb: NewCb, known: Areas) -> None:
    """The choices made up to this step, checked by the service (they come from the client)."""
    done = CHOICE_STEPS.index(cb.step) + 1
    service.check_choices_so_far(
        known,
        cb.kind,
        cb.language if done > 1 else None,
        cb.area if done > 2 else None,
        cb.minute if done > 4 else None,
    )
    if done > 3 and not cb.flexible and chosen_day(cb) is None:
        raise service.AssignmentError("bad_choice")


# --- screens ----------------------------------------------------------------------------------------
def draft_text(tr: Translator, draft: AssignDraft, settings: Settings, question: str) -> str:
    lines = [tr._("<b>New assignment</b>")]
    if draft.kind:
        lines.append(kind_label(tr, draft.kind))
    if draft.language:
        lines.append(tr._("🗣 Language: {language}", language=language_label(tr, draft.language)))
    if draft.area:
        name = areas(settings.areas_file).name(draft.area)
        lines.append(tr._("📍 Where: {area}", area=name or tr._(ANY_AREA)))
    if draft.flexible or draft.day:
        lines.append(tr._("📅 When: {when}", when=_when(tr, draft, settings)))
    return "\n".join(lines) + "\n\n" + question


def _when(tr: Translator, draft: AssignDraft, settings: Settings) -> str:
    if draft.flexible or draft.day is None:
        return tr._("flexible, by arrangement")
    if draft.minute is not None:
        return Html(tr.datetime(service.local_start(draft.day, draft.minute, settings.tz)))
    return tr.date(draft.day)


Options = list[tuple[str, dict[str, object]]]  # button label, the choice it adds to the callback data


def _choices(
    cb: NewCb, step: NewStep, columns: int, tr: Translator, options: Options
) -> InlineKeyboardMarkup | None:
    buttons = [button(label, cb.model_copy(update={"step": step, **change})) for label, change in options]
    return keyboard(*grid(buttons, columns), cancel_row(tr, NewCb(step=NewStep.ABORT)))


def next_screen(
    tr: Translator, cb: NewCb, known: Areas, clock: Clock, settings: Settings
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """The question after the step just chosen; None when the choices are complete."""
    draft = AssignDraft.of(cb)
    if cb.step == NewStep.KIND:
        options: Options = [(name_in(code, tr._), {"language": code}) for code in HELPER_LANGUAGES]
        options.append((tr._(ANY_LANGUAGE), {"language": ANY}))
        question, markup = tr._("Which language is needed?"), _choices(cb, NewStep.LANGUAGE, 3, tr, options)
    elif cb.step == NewStep.LANGUAGE:
        options = [(name, {"area": key}) for key, name in known.names.items()]
        options.append((tr._(ANY_AREA), {"area": ANY}))
        question, markup = tr._("Where?"), _choices(cb, NewStep.AREA, 2, tr, options)
    elif cb.step == NewStep.AREA:
        # today, tomorrow and the weekdays of this week as buttons; a later day is typed
        today = clock.now().astimezone(settings.tz).date()
        days = service.bookable_days(clock.now(), settings.tz)[:QUICK_DAYS]
        options = [(day_label(tr, day, today), {"day": int(day.strftime("%Y%m%d"))}) for day in days]
        options.append((tr._("🗓 Flexible date"), {"flexible": True}))
        question = "\n\n".join([tr._("Which day? Tap one, or write the day and time."), examples(tr)])
        markup = _choices(cb, NewStep.DAY, 2, tr, options)
    elif cb.step == NewStep.DAY and draft.day is not None and not cb.flexible:
        now = clock.now()
        minutes = [m for m in QUICK_TIMES if service.local_start(draft.day, m, settings.tz) > now]
        options = [
            (tr.time(service.local_start(draft.day, minute, settings.tz)), {"minute": minute})
            for minute in minutes
        ]
        question = tr._("At what time? Tap one, or write it, like 10:30.")
        markup = _choices(cb, NewStep.TIME, 4, tr, options)
    else:
        return None
    return draft_text(tr, draft, settings, question), markup


def sent_text(tr: Translator, created: service.Created) -> str:
    number, count = created.assignment.id, created.alerted
    if count == 0:
        return tr._(
            "⚠️ Assignment no. {number} is saved, but no helper could be alerted (nobody is registered, or "
            "everyone has paused). Please ask someone directly.",
            number=number,
        )
    if created.widened:
        return tr.n_(
            "📣 No helper speaks this language in this area, so assignment no. {number} went to the {n} available helper.",
            "📣 No helper speaks this language in this area, so assignment no. {number} went to all {n} available helpers.",
            count,
            number=number,
        )
    return tr.n_(
        "📣 Assignment no. {number} went to {n} matching helper.",
        "📣 Assignment no. {number} went to {n} matching helpers.",
        count,
        number=number,
    )
