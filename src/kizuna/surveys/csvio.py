"""CSV export of responses and import of past responses from other survey tools."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kizuna.clock import ensure_aware_utc
from kizuna.ids import stable_digest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.surveys import store
from kizuna.surveys.branching import path_of
from kizuna.surveys.contracts import (
    Channel,
    DateRange,
    ImportRejection,
    ImportReport,
    QuestionType,
    SurveyDefinition,
    SurveyId,
    localized,
)
from kizuna.surveys.errors import AnswerInvalid, SurveyImportInvalid
from kizuna.surveys.responses import (
    check_answers,
    complete_response,
    finish_answers,
    new_response_id,
)
from kizuna.surveys.tables import SurveyResponseRow
from kizuna.types import CustomerId, WorkspaceId

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
_LABELS = {
    "en": {"response_id": "Response ID", "completed_on": "Date", "completed_at": "Answered at",
           "customer_id": "Customer ID", "user_id": "User ID", "locale": "Language",
           "channel": "Channel"},
    "ja": {"response_id": "回答ID", "completed_on": "回答日", "completed_at": "回答日時",
           "customer_id": "顧客ID", "user_id": "ユーザーID", "locale": "言語",
           "channel": "回答経路"},
}
TIME_COLUMNS = ("submitted_at", "completed_at", "timestamp", "date", "completed_on")
MAX_IMPORT_ROWS = 100_000
SEPARATOR = " · "


def safe_cell(value: Any) -> Any:
    """Guard against CSV injection: text starting with = + - @ (or tab / CR) gets a ' ."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
    return buffer.getvalue()


def _cell(definition: SurveyDefinition, qid: str, value: Any, locale: str | None) -> Any:
    if value is None:
        return ""
    question = definition.question(qid)
    if question.options and locale is not None:
        labels = {o.id: localized(o.label, locale, definition.default_locale)
                  for o in question.options}
        value = [labels.get(v, v) for v in value] if isinstance(value, list) else labels.get(
            value, value)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


def export_csv(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId, *,
               locale: str, headers: str, period: DateRange | None) -> Iterator[str]:
    survey = store.get_survey(session, workspace_id, survey_id)
    definition = survey.definition
    use_labels = headers == "labels"
    names = _LABELS.get(locale, _LABELS["en"])
    fixed = ["response_id", "completed_on", "locale", "channel"]
    if not survey.anonymous:
        fixed += ["completed_at", "customer_id", "user_id"]
    header = [names[c] if use_labels else c for c in fixed]
    header += list(definition.hidden_fields)
    header += [f"{q.id}{SEPARATOR}{localized(q.prompt, locale, definition.default_locale)}"
               if use_labels else q.id for q in definition.questions]
    r = SurveyResponseRow
    query = select(r).where(r.workspace_id == workspace_id, r.survey_id == survey.id,
                            r.complete.is_(True))
    if period is not None:
        query = query.where(r.completed_on >= period.start, r.completed_on <= period.end)
    query = query.order_by(r.completed_on, r.id)
    external: dict[int, str | None] = {}

    def rows() -> Iterator[str]:
        yield _line(header)
        for row in session.scalars(query):
            values: list[Any] = [row.id, row.completed_on.isoformat() if row.completed_on
                                 else "", row.locale, row.channel]
            if not survey.anonymous:
                cid = row.customer_id
                if cid is not None and cid not in external:
                    external[cid] = profiles.get_customer(session, workspace_id, cid).external_id
                values += [row.completed_at.isoformat() if row.completed_at else "",
                           cid if cid is not None else "",
                           (external.get(cid) if cid is not None else None) or ""]
            values += [row.hidden.get(h, "") for h in definition.hidden_fields]
            values += [_cell(definition, q.id, row.answers.get(q.id),
                             locale if use_labels else None) for q in definition.questions]
            yield _line(values)

    return rows()


# --- import --------------------------------------------------------------------------------


def _columns(definition: SurveyDefinition, header: list[str]) -> dict[str, str]:
    """Header → question id / known column name."""
    known = set(definition.question_ids)
    special = {"response_id", "email", "user_id", "locale", *TIME_COLUMNS,
               *definition.hidden_fields}
    mapping: dict[str, str] = {}
    for name in header:
        plain = name.strip()
        qid = plain.split(SEPARATOR)[0].strip()
        if qid in known:
            mapping[name] = qid
        elif plain.lower() in special:
            mapping[name] = plain.lower()
    if not any(v in known for v in mapping.values()):
        raise SurveyImportInvalid(
            "No column of the CSV names a question of this survey; name answer columns by "
            f"question id ({', '.join(definition.question_ids)}).", field="header")
    if not any(v in TIME_COLUMNS for v in mapping.values()):
        raise SurveyImportInvalid(
            "The CSV needs a column with the time of each response: "
            f"{' or '.join(TIME_COLUMNS)}.", field="header")
    return mapping


def _when(text: str, session: Session, workspace_id: WorkspaceId) -> datetime:
    value = text.strip().replace("/", "-")
    parsed = datetime.fromisoformat(value)  # ValueError is reported for the line
    if parsed.tzinfo is None:
        zone = store.workspace_zone(session, workspace_id)
        parsed = parsed.replace(tzinfo=zone) if len(value) > 10 else datetime.combine(
            parsed.date(), time(12), zone)
    return ensure_aware_utc(parsed)


def _answer_value(definition: SurveyDefinition, qid: str, text: str) -> Any:
    if definition.question(qid).type is QuestionType.MULTIPLE_CHOICE:
        return [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    return text


def import_csv(session: Session, workspace_id: WorkspaceId, survey_id: SurveyId,
               lines: str | Iterable[str], *, at: datetime) -> ImportReport:
    survey = store.get_survey(session, workspace_id, survey_id)
    survey_row = store.survey_row(session, workspace_id, survey_id)
    definition = survey.definition
    text = lines if isinstance(lines, str) else "".join(
        line if line.endswith("\n") else line + "\n" for line in lines)
    if "\x00" in text:
        raise SurveyImportInvalid("The file contains NUL bytes; export it again as UTF-8 CSV.")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise SurveyImportInvalid("The CSV is empty; it needs a header row.") from None
    mapping = _columns(definition, header)
    seen_refs: Counter[str] = Counter()
    rejected: list[ImportRejection] = []
    imported = duplicates = 0
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if imported + duplicates + len(rejected) >= MAX_IMPORT_ROWS:
            rejected.append(ImportRejection(line=line, message=f"more than {MAX_IMPORT_ROWS} "
                                            "rows; split the file"))
            break
        record = {mapping[h]: v for h, v in zip(header, values, strict=False) if h in mapping}
        try:
            outcome = _import_row(session, workspace_id, survey_row, definition, record,
                                  seen_refs)
        except AnswerInvalid as exc:
            for e in exc.errors:
                rejected.append(ImportRejection(line=line, message=e["message"],
                                                field=e["question"]))
            continue
        except (ValueError, SurveyImportInvalid) as exc:
            field = getattr(exc, "fields", {}).get("field") if isinstance(
                exc, SurveyImportInvalid) else "submitted_at"
            rejected.append(ImportRejection(line=line, message=str(exc), field=field))
            continue
        if outcome:
            imported += 1
        else:
            duplicates += 1
    session.flush()
    return ImportReport(imported=imported, skipped_duplicates=duplicates,
                        rejected=tuple(rejected))


def _import_row(session: Session, workspace_id: WorkspaceId, survey_row: Any,
                definition: SurveyDefinition, record: Mapping[str, str],
                seen_refs: Counter[str]) -> bool:
    anonymous = bool(survey_row.anonymous)
    raw = {qid: _answer_value(definition, qid, v) for qid, v in record.items()
           if qid in definition.question_ids and v.strip()}
    locale = (record.get("locale") or definition.default_locale).strip().lower()[:2]
    locale = locale if locale in ("ja", "en") else definition.default_locale
    answers = finish_answers(definition, check_answers(definition, {}, raw, "en"), "en")
    stamp = next((record[c] for c in TIME_COLUMNS if record.get(c, "").strip()), None)
    if stamp is None:
        raise SurveyImportInvalid("the time of the response is empty", field="submitted_at")
    when = _when(stamp, session, workspace_id)
    hidden = {h: record[h].strip()[:200] for h in definition.hidden_fields
              if record.get(h, "").strip()}
    email = (record.get("email") or "").strip() or None
    user_id = (record.get("user_id") or "").strip() or None
    given = (record.get("response_id") or "").strip()
    if given:
        ref = "id:" + given[:60]
    else:
        content = sorted((k, v) for k, v in record.items()
                         if not (anonymous and k in ("email", "user_id")))
        ref = stable_digest(content)
        seen_refs[ref] += 1
        ref = stable_digest(ref, seen_refs[ref])
    exists = session.scalar(select(SurveyResponseRow.id).where(
        SurveyResponseRow.survey_id == survey_row.id, SurveyResponseRow.import_ref == ref))
    if exists is None and given:  # kizuna's own export: the response is already here
        exists = session.scalar(select(SurveyResponseRow.id).where(
            SurveyResponseRow.survey_id == survey_row.id, SurveyResponseRow.id == given))
    if exists is not None:
        return False
    customer_id: CustomerId | None = None
    if not anonymous and (email or user_id):
        customer_id = profiles.upsert_customers(session, workspace_id, [CustomerUpsert(
            external_id=user_id, email=email, seen_at=when)], when)[0]
    local_day = store.local_date(session, workspace_id, when)
    row = SurveyResponseRow(
        id=new_response_id(), workspace_id=workspace_id, survey_id=survey_row.id,
        version=survey_row.current_version, channel=Channel.IMPORT.value, locale=locale,
        anonymous=anonymous, complete=False, answers=answers, hidden=hidden,
        started_on=local_day, customer_id=customer_id, invitation_id=None,
        started_at=None if anonymous else when, import_ref=ref)
    session.add(row)
    complete_response(session, workspace_id, survey_row, row, definition,
                      path_of(definition, answers), at=when, token=None)
    session.flush()
    return True
