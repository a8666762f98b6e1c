"""What the survey pages print about one survey besides its results: the logic of each
question (preview), the answers of a response as text and the respondents' names.

Names are looked up only for surveys that are not anonymous.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from kizuna.errors import NotFound
from kizuna.profiles import api as profiles
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import Survey, SurveyDefinition, SurveyResponse, localized
from kizuna.types import WorkspaceId


def logic_lines(d: SurveyDefinition) -> dict[str, list[str]]:
    """Question id → its skip rule and the jumps after it, as compact JSON."""
    doc = surveys.definition_to_json(d)
    out: dict[str, list[str]] = {}
    for q in doc.get("questions", []):
        if q.get("skip_if") is not None:
            out.setdefault(q["id"], []).append(
                "skip_if " + json.dumps(q["skip_if"], ensure_ascii=False))
    for rule in doc.get("rules", []):
        cond = f" if {json.dumps(rule['if'], ensure_ascii=False)}" if rule.get("if") else ""
        out.setdefault(rule["after"], []).append(f"goto {rule['goto']}{cond}")
    return out


def customer_names(session: Session, workspace_id: WorkspaceId, survey: Survey,
                   items: list[SurveyResponse]) -> dict[int, str]:
    """Customer id → name (or email, or #id) of the respondents; {} for anonymous surveys."""
    if survey.anonymous:
        return {}
    out: dict[int, str] = {}
    for cid in {int(r.customer_id) for r in items if r.customer_id is not None}:
        try:
            c = profiles.get_customer(session, workspace_id, cid)
        except NotFound:  # erased since
            continue
        out[cid] = c.display_name or c.email or f"#{cid}"
    return out


def answers_text(d: SurveyDefinition, r: SurveyResponse, locale: str) -> list[tuple[str, str]]:
    """(question id, answer as text) in question order; choice ids become their labels."""
    out: list[tuple[str, str]] = []
    for q in d.questions:
        if q.id not in r.answers or r.answers[q.id] in (None, "", []):
            continue
        value = r.answers[q.id]
        labels = {c.id: localized(c.label, locale, d.default_locale) for c in q.options}
        if isinstance(value, list):
            text = ", ".join(labels.get(str(v), str(v)) for v in value)
        else:
            text = labels.get(str(value), str(value))
        out.append((q.id, text))
    return out
