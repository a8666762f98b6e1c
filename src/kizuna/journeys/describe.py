"""A readable rendering of a journey definition (English and Japanese), for the dashboard,
the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kizuna.journeys.contracts import (
    END,
    BranchStep,
    DateTrigger,
    Definition,
    EventTrigger,
    ExitStep,
    ScheduleTrigger,
    SendStep,
    Step,
    UpdateTraitStep,
    WaitForEventStep,
    WaitStep,
)
from kizuna.journeys.definition import SEGMENT_ENTERED, SEGMENT_EXITED, format_duration, successors

_WEEKDAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                    "Sunday"),
             "ja": ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")}


@dataclass(frozen=True, slots=True)
class StepLine:
    id: str
    kind: str
    text: str
    goes_to: tuple[str, ...]


def _where(where: Any, lang: str) -> str:
    if not where:
        return ""
    parts = []
    for k, v in where.items():
        if isinstance(v, dict):
            op, arg = next(iter(v.items()))
            parts.append(f"{k} {op} {arg}")
        else:
            parts.append(f"{k} = {v}")
    joined = ", ".join(parts)
    return f" ({joined})" if lang == "en" else f"({joined})"


def trigger_text(d: Definition, lang: str) -> str:
    t = d.trigger
    ja = lang == "ja"
    if isinstance(t, EventTrigger):
        if t.event in (SEGMENT_ENTERED, SEGMENT_EXITED) and set(t.where) == {"segment"}:
            seg = t.where["segment"]
            if t.event == SEGMENT_ENTERED:
                return f"セグメント「{seg}」に入ったとき" if ja else f"when entering segment {seg}"
            return f"セグメント「{seg}」から出たとき" if ja else f"when leaving segment {seg}"
        return (f"イベント「{t.event}」{_where(t.where, lang)}が起きたとき" if ja
                else f"when {t.event} happens{_where(t.where, lang)}")
    if isinstance(t, DateTrigger):
        field = {"birthday": ("誕生日", "the birthday"),
                 "last_order": ("最終注文日", "the last order")}.get(
            t.field, (t.field.removeprefix("traits."), t.field.removeprefix("traits.")))
        if ja:
            off = f"の{t.offset_days}日後" if t.offset_days else ""
            return f"{field[0]}{off}の現地時間{t.at}"
        off = f"{t.offset_days} days after " if t.offset_days else "on "
        return f"{off}{field[1]} at {t.at} local time"
    assert isinstance(t, ScheduleTrigger)
    when = ("毎日" if ja else "every day") if t.every == "day" else (
        f"毎週{_WEEKDAYS['ja'][t.weekday or 0]}" if ja
        else f"every {_WEEKDAYS['en'][t.weekday or 0]}")
    return (f"{when} {t.at}(ワークスペース時間)にセグメント「{t.segment}」の全員" if ja
            else f"{when} at {t.at} (workspace time): everyone in segment {t.segment}")


def _target(sid: str, lang: str) -> str:
    if sid == END:
        return "終了" if lang == "ja" else "end"
    return sid


def _text(step: Step, lang: str) -> str:
    ja = lang == "ja"
    if isinstance(step, SendStep):
        subject = ""
        for loc in (lang, "ja", "en"):
            part = step.template.get(loc)
            if isinstance(part, dict) and part.get("subject"):
                subject = str(part["subject"])
                break
        variants = f" + {len(step.variants)}" if step.variants else ""
        return (f"{step.channel}で送信「{subject}」{variants}" if ja
                else f"send {step.channel} “{subject}”{variants}")
    if isinstance(step, WaitStep):
        if step.seconds is not None:
            return (f"{format_duration(step.seconds)} 待つ" if ja
                    else f"wait {format_duration(step.seconds)}")
        return f"現地時間{step.until}まで待つ" if ja else f"wait until {step.until} local time"
    if isinstance(step, WaitForEventStep):
        corr = (f"(同じ{step.correlate})" if ja else f" with the same {step.correlate}"
                ) if step.correlate else ""
        return (f"「{step.event}」{corr}を最大{format_duration(step.timeout_seconds)}待つ" if ja
                else f"wait up to {format_duration(step.timeout_seconds)} for "
                     f"{step.event}{corr}")
    if isinstance(step, BranchStep):
        from kizuna.segments import api as segments

        cond = segments.render(segments.parse(dict(step.condition)), lang)
        return f"条件で分岐: {cond}" if ja else f"branch on: {cond}"
    if isinstance(step, UpdateTraitStep):
        keys = ", ".join(step.traits)
        return f"属性を更新: {keys}" if ja else f"update traits: {keys}"
    assert isinstance(step, ExitStep)
    return "ジャーニーを終了" if ja else "exit the journey"


def steps_text(d: Definition, lang: str) -> list[StepLine]:
    out = []
    for i, step in enumerate(d.steps):
        targets = successors(d.steps, i)
        if isinstance(step, (BranchStep, WaitForEventStep)):
            labels = (("はい", "いいえ") if isinstance(step, BranchStep) else ("起きた", "時間切れ")
                      ) if lang == "ja" else (("yes", "no") if isinstance(step, BranchStep)
                                              else ("happened", "timed out"))
            goes = tuple(f"{lab} → {_target(t, lang)}"
                         for lab, t in zip(labels, targets, strict=True))
        else:
            goes = tuple(f"→ {_target(t, lang)}" for t in targets)
        out.append(StepLine(id=step.id, kind=type(step).__name__, text=_text(step, lang),
                            goes_to=goes))
    return out
