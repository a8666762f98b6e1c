"""Checking one answer against its question, with messages in the respondent's locale.

Answers arrive as form strings (hosted page) or JSON values (apps, imports) and are stored
normalised: a whole number for scale questions, an option id for single choice, a list of
option ids for multiple choice, the text as typed (never escaped or cut) for free text, and
``None`` for an optional question the respondent passed.
"""

from __future__ import annotations

import math
from typing import Any

from kizuna.surveys.contracts import Question, QuestionType
from kizuna.surveys.errors import AnswerInvalid

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "required": "Please answer this question.",
        "not_a_number": "Please choose a number from {low} to {high}.",
        "out_of_scale": "Please choose a number from {low} to {high}.",
        "unknown_choice": "Please choose one of the options shown.",
        "one_choice": "Please choose only one option.",
        "not_text": "Please type your answer as text.",
        "too_long": "Your answer is {length} characters long; please shorten it to at most "
                    "{limit} characters.",
        "nul_byte": "Your answer contains a character that cannot be stored (NUL); "
                    "please remove it.",
        "unknown_question": "This survey has no question {question}.",
    },
    "ja": {
        "required": "この質問にお答えください。",
        "not_a_number": "{low}から{high}までの数字を選んでください。",
        "out_of_scale": "{low}から{high}までの数字を選んでください。",
        "unknown_choice": "表示されている選択肢から選んでください。",
        "one_choice": "選択肢を1つだけ選んでください。",
        "not_text": "回答を文字で入力してください。",
        "too_long": "回答が{length}文字あります。{limit}文字以内に短くしてください。",
        "nul_byte": "保存できない文字（NUL）が含まれています。削除してください。",
        "unknown_question": "このアンケートに質問 {question} はありません。",
    },
}


def answer_message(key: str, locale: str, **params: object) -> str:
    """The message ``key`` in ``locale`` (English when the locale is unknown)."""
    catalogue = MESSAGES.get(locale, MESSAGES["en"])
    return catalogue.get(key, MESSAGES["en"].get(key, key)).format(**params)


def problem(question: str, key: str, locale: str, **params: object) -> dict[str, str]:
    return {"question": question, "key": key,
            "message": answer_message(key, locale, question=question, **params)}


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple) and not value


def validate_answer(question: Question, value: Any, *, locale: str) -> Any:
    """The normalised answer, or ``AnswerInvalid`` naming the question. Blank answers of
    optional questions give ``None`` (passed)."""
    if _blank(value):
        if question.required:
            raise AnswerInvalid([problem(question.id, "required", locale)])
        return None
    scale = question.scale
    if scale is not None:
        return _scale(question, value, scale, locale)
    if question.type is QuestionType.FREE_TEXT:
        return _text(question, value, locale)
    ids = {o.id for o in question.options}
    if question.type is QuestionType.SINGLE_CHOICE:
        if isinstance(value, list | tuple):
            if len(value) != 1:
                raise AnswerInvalid([problem(question.id, "one_choice", locale)])
            value = value[0]
        if not isinstance(value, str) or value not in ids:
            raise AnswerInvalid([problem(question.id, "unknown_choice", locale)])
        return value
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(
            isinstance(v, str) and v in ids for v in values):
        raise AnswerInvalid([problem(question.id, "unknown_choice", locale)])
    chosen = set(values)
    return [o.id for o in question.options if o.id in chosen]  # in the options' order


def _scale(question: Question, value: Any, scale: tuple[int, int], locale: str) -> int:
    low, high = scale
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit() and len(text) <= 6:
            number = int(text)
    if number is None:
        raise AnswerInvalid([problem(question.id, "not_a_number", locale, low=low, high=high)])
    if not low <= number <= high:
        raise AnswerInvalid([problem(question.id, "out_of_scale", locale, low=low, high=high)])
    return number


def _text(question: Question, value: Any, locale: str) -> str | None:
    if not isinstance(value, str):
        raise AnswerInvalid([problem(question.id, "not_text", locale)])
    if "\x00" in value:
        raise AnswerInvalid([problem(question.id, "nul_byte", locale)])
    text = value.replace("\r\n", "\n").strip()
    if len(text) > question.max_length:
        raise AnswerInvalid([problem(question.id, "too_long", locale, length=len(text),
                                     limit=question.max_length)])
    if not text:
        if question.required:
            raise AnswerInvalid([problem(question.id, "required", locale)])
        return None
    return text
