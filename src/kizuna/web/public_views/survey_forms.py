"""Form ↔ answer mapping of the hosted survey pages: view models of one question, the
respondent's answers for the thanks page, form values as the facade expects them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kizuna.surveys.contracts import Question, QuestionType, SurveyDefinition, localized
from kizuna.web import i18n

HIDDEN_VALUE_MAX = 200
_SCALES = {QuestionType.NPS, QuestionType.CSAT, QuestionType.CES, QuestionType.RATING}
_DEFAULT_END_LABELS = {QuestionType.NPS: "nps", QuestionType.CSAT: "csat",
                       QuestionType.CES: "ces"}


def question_view(q: Question, defn: SurveyDefinition, locale: str, value: Any,
                  error: str | None) -> dict[str, Any]:
    t = i18n.translator(locale)

    def text(v: Mapping[str, str] | None) -> str:
        return localized(v, locale, defn.default_locale)

    view: dict[str, Any] = {
        "id": q.id, "type": q.type.value, "prompt": text(q.prompt), "required": q.required,
        "help": text(q.help), "hint": "", "low_label": "", "high_label": "",
        "multiline": q.multiline, "text": "", "options": [], "input_id": f"q-{q.id}",
    }
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else (
        {str(value)} if value not in (None, "") else set())
    scale = q.scale
    if q.type in _SCALES and scale is not None:
        low, high = scale
        default = _DEFAULT_END_LABELS.get(q.type)
        view["low_label"] = text(q.min_label) or (t(f"survey.public.{default}.low")
                                                 if default else "")
        view["high_label"] = text(q.max_label) or (t(f"survey.public.{default}.high")
                                                  if default else "")
        view["kind"] = "scale"
        view["options"] = [{"value": str(i), "label": str(i), "checked": str(i) in chosen,
                            "input_id": f"q-{q.id}-{i}"} for i in range(low, high + 1)]
        if view["low_label"] and view["high_label"]:
            view["hint"] = t("survey.public.scale_hint", low=low, high=high,
                             low_label=view["low_label"], high_label=view["high_label"])
    elif q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        multi = q.type is QuestionType.MULTIPLE_CHOICE
        view["kind"] = "multi" if multi else "single"
        view["hint"] = t("survey.public.choose_any" if multi else "survey.public.choose_one")
        view["options"] = [{"value": c.id, "label": text(c.label), "checked": c.id in chosen,
                            "input_id": f"q-{q.id}-{i}"} for i, c in enumerate(q.options)]
    else:
        view["kind"] = "text"
        view["hint"] = t("survey.public.max_chars", max=f"{q.max_length:,}")
        view["text"] = "" if value is None else str(value)
    if view["options"]:
        view["input_id"] = view["options"][0]["input_id"]
    ids = [f"{p}-{q.id}" for p, on in (("help", view["help"]), ("hint", view["hint"]),
                                       ("error", error)) if on]
    view["described"] = " ".join(ids)
    return view


def answers_view(defn: SurveyDefinition, answers: Mapping[str, Any], locale: str
                 ) -> list[dict[str, str]]:
    out = []
    for q in defn.questions:
        if q.id not in answers:
            continue
        value = answers[q.id]
        labels = {c.id: localized(c.label, locale, defn.default_locale) for c in q.options}
        if isinstance(value, list | tuple):
            shown = ", ".join(labels.get(str(v), str(v)) for v in value)
        else:
            shown = "" if value is None else labels.get(str(value), str(value))
        out.append({"prompt": localized(q.prompt, locale, defn.default_locale), "value": shown})
    return out


def form_answer(q: Question, values: list[str]) -> Any:
    """The submitted form values as the facade expects them (strings; a list for multi)."""
    if q.type is QuestionType.MULTIPLE_CHOICE:
        return [v for v in values if v != ""]
    return values[0] if values else None


def clean_hidden(defn: SurveyDefinition, params: Mapping[str, str]) -> dict[str, str]:
    return {name: params[name][:HIDDEN_VALUE_MAX].replace("\x00", "")
            for name in defn.hidden_fields if params.get(name)}
