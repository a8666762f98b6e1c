"""Skip and branch logic: which question comes next. Pure functions, no I/O.

After a question, the survey's rules ``after`` it are tried in order; the first whose
condition holds jumps (only forward — the definition forbids anything else) to its target or
to the end. Without a matching rule the next question in order follows. A question whose
``skip_if`` holds on the answers so far is passed over. Because every step moves forward,
a walk always ends, after at most one step per question.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kizuna.surveys.contracts import END, Condition, SurveyDefinition


def holds(cond: Condition, answers: Mapping[str, Any]) -> bool:
    """Whether ``cond`` is true for ``answers`` (an unanswered question fails every test but
    ``not_answered``)."""
    if cond.all:
        return all(holds(c, answers) for c in cond.all)
    if cond.any:
        return any(holds(c, answers) for c in cond.any)
    answer = answers.get(cond.question) if cond.question is not None else None
    if answer is None or answer == [] or answer == "":
        return cond.op == "not_answered"
    op, value = cond.op, cond.value
    if op == "answered":
        return True
    if op == "not_answered":
        return False
    if isinstance(answer, list):  # multiple choice
        chosen = set(answer)
        if op == "contains" or op == "eq":
            return value in chosen
        if op == "ne":
            return value not in chosen
        if op == "in":
            return bool(chosen & set(value))
        return False
    if op == "eq":
        return bool(answer == value)
    if op == "ne":
        return bool(answer != value)
    if op == "in":
        return answer in value
    if op == "contains":
        return isinstance(answer, str) and str(value) in answer
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        return False
    if op == "lt":
        return bool(answer < value)
    if op == "lte":
        return bool(answer <= value)
    if op == "gt":
        return bool(answer > value)
    if op == "gte":
        return bool(answer >= value)
    return False


def next_step(definition: SurveyDefinition, answers: Mapping[str, Any], current: str | None) -> str:
    """The question id after ``current`` (None: the first question), or ``END``."""
    ids = definition.question_ids
    order = {qid: i for i, qid in enumerate(ids)}
    if current is None:
        candidate = 0
    else:
        if current not in order:
            raise ValueError(f"{current!r} is not a question of survey {definition.key!r}")
        candidate = order[current] + 1
        for rule in definition.rules:
            if rule.after == current and (rule.when is None or holds(rule.when, answers)):
                if rule.goto == END:
                    return END
                candidate = max(order[rule.goto], order[current] + 1)
                break
    while candidate < len(ids):
        question = definition.questions[candidate]
        if question.skip_if is None or not holds(question.skip_if, answers):
            return question.id
        candidate += 1
    return END


def path_of(definition: SurveyDefinition, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """The questions shown with these answers, first to last (unanswered ones included as
    far as the answers so far decide the route)."""
    path: list[str] = []
    step = next_step(definition, answers, None)
    while step != END:
        path.append(step)
        step = next_step(definition, answers, step)
    return tuple(path)


def previous_step(
    definition: SurveyDefinition, answers: Mapping[str, Any], current: str
) -> str | None:
    """The question before ``current`` on the path, or None at the first question."""
    path = path_of(definition, answers)
    if current in path:
        index = path.index(current)
        return path[index - 1] if index > 0 else None
    order = {qid: i for i, qid in enumerate(definition.question_ids)}
    earlier = [qid for qid in path if order[qid] < order.get(current, len(order))]
    return earlier[-1] if earlier else None
