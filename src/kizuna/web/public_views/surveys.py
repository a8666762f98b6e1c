"""Hosted survey pages under /p: ``/p/s/<key>`` (link, personal link) and ``/p/s/<key>/embed``.

Plain HTML forms, one question per step; no JavaScript needed. The hosted page keeps the
visitor's progress in the public session cookie (``survey:<key>`` → response id, personal-link
token, hidden fields); the embed page, which browsers may deny cookies inside a third-party
iframe, carries the same state in a signed hidden form field instead and answers POSTs in
place. Response ids never appear in a URL (so never in an access log).

Every POST: rate limit (:func:`limit`), CSRF (:func:`check_form`, or the signed state for the
embed), honeypot (:func:`is_bot`: pretend success, store nothing). All logic is in the
surveys facade; this module only maps forms to answers and answers to pages.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from kizuna.db.translate import translate_db_errors
from kizuna.errors import KizunaError, PayloadTooLarge, RateLimited
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.surveys import api as surveys
from kizuna.surveys.contracts import (
    END,
    Channel,
    ResponseProgress,
    ResponseStart,
    Survey,
    SurveyDefinition,
    localized,
)
from kizuna.surveys.errors import (
    AnswerInvalid,
    InvitationExpired,
    InvitationInvalid,
    InvitationUsed,
    SurveyClosed,
    SurveyNotFound,
    SurveyResponseComplete,
    SurveyResponseNotFound,
)
from kizuna.types import WorkspaceId
from kizuna.web import i18n
from kizuna.web.errors import CsrfInvalid
from kizuna.web.public import (
    check_form,
    choose_public_locale,
    embeddable,
    is_bot,
    limit,
    public_path,
    render_public,
)
from kizuna.web.public_views.survey_forms import (
    answers_view,
    clean_hidden,
    form_answer,
    question_view,
)

router = APIRouter()
_TOKEN_IN_QUERY = re.compile(r"([?&][tm]=)[^&\s]+")  # survey / review links (t), members (m)


class RedactSurveyTokens(logging.Filter):
    """Keep link tokens of the public pages out of the access log: personal survey and review
    links (``/p/s/k?t=abc`` → ``/p/s/k?t=…``) and idea-board member links (``?m=``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and (
                args[2].startswith("/p/")):
            record.args = (*args[:2], _TOKEN_IN_QUERY.sub("\\1…", args[2]), *args[3:])
        return True


_ACCESS_LOG = logging.getLogger("uvicorn.access")
if not any(isinstance(f, RedactSurveyTokens) for f in _ACCESS_LOG.filters):
    _ACCESS_LOG.addFilter(RedactSurveyTokens())

#: A form post larger than this is refused before anything is parsed into answers
#: (a 5,000-character answer in Japanese is ~45 KB URL-encoded).
MAX_FORM_BYTES = 256 * 1024
EMBED_STATE_MAX_AGE = 24 * 60 * 60
_NOTICES: dict[type[KizunaError], str] = {
    SurveyNotFound: "survey.public.not_found",
    SurveyClosed: "survey.public.closed",
    InvitationInvalid: "survey.public.link_invalid",
    InvitationUsed: "survey.public.already_answered",
    InvitationExpired: "survey.public.link_expired",
}


def _form_size(request: Request) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"The form is larger than {MAX_FORM_BYTES // 1024} KB.")


FormSize = Depends(_form_size)


@contextmanager
def _tx(request: Request) -> Iterator[tuple[Session, WorkspaceId, Runtime]]:
    runtime: Runtime = request.app.state.runtime
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        workspace = surveys_workspace(session, runtime)
        yield session, workspace, runtime


def surveys_workspace(session: Session, runtime: Runtime) -> WorkspaceId:
    """Public pages answer for the default workspace (one business per installation)."""
    from kizuna.workspaces import api as workspaces

    return workspaces.ensure_default_workspace(session, runtime.clock).id


def _locale(request: Request, preferred: str | None = None) -> str:
    """``?lang=`` (remembered), the session's choice, the language the response was started
    in, Accept-Language, the default."""
    chosen = i18n.normalise_locale(request.query_params.get("lang"))
    if chosen:
        request.session["locale"] = chosen
    return choose_public_locale(request, preferred)


def _notice(request: Request, exc: KizunaError, locale: str, title: str = "",
            *, embed: bool = False) -> Response:
    """A friendly page for a survey that cannot be answered (here, now, with this link).

    In the widget the page stays frameable by the survey's allowed origins."""
    t = i18n.translator(locale)
    key = next((v for k, v in _NOTICES.items() if isinstance(exc, k)), None)
    if key is not None:
        message = t(key)
    elif embed and exc.code == "csrf-invalid":
        message = t("public.error.csrf")
    elif embed and exc.status == 429:
        message = t("public.error.rate_limited")
    else:
        raise exc
    response = render_public(request, "public/surveys/notice.html",
                             {"survey_title": title or t("survey.public.frame_title"),
                              "message": message, "embed": embed},
                             locale=locale, status_code=exc.status)
    if embed:
        with _tx(request) as (session, ws, _runtime):
            survey = surveys.find_survey_by_key(session, ws, request.path_params.get("key", ""))
        if survey is not None:
            embeddable(response, list(survey.definition.allowed_embed_origins))
    return response


# --- pages ---------------------------------------------------------------------------------


def _lang_links(request: Request, locale: str) -> list[dict[str, Any]]:
    links = []
    for code in i18n.LOCALES:
        params = {k: v for k, v in request.query_params.items() if k == "step"}
        params["lang"] = code
        links.append({"locale": code, "current": code == locale,
                      "href": f"{request.url.path}?{urlencode(params)}"})
    return links


def _step_page(request: Request, survey: Survey, defn: SurveyDefinition, locale: str, *,
               step: str, position: int, total: int, answers: Mapping[str, Any],
               value: Any = None, error: str | None = None, embed: bool = False,
               state: str = "", status_code: int = 200) -> Response:
    q = defn.question(step)
    current = value if value is not None else answers.get(step)
    context = {
        "survey_title": localized(defn.title, locale, defn.default_locale),
        "intro": localized(defn.intro, locale, defn.default_locale),
        "anonymous": survey.anonymous,
        "q": question_view(q, defn, locale, current, error),
        "error": error,
        "position": position,
        "total": max(total, position),
        "first": position <= 1,
        "last": position >= total,
        "action": public_path(request, "survey_embed_submit" if embed else "survey_submit",
                              key=survey.key),
        "state": state,
        "embed": embed,
        "lang_links": [] if embed else _lang_links(request, locale),
    }
    response = render_public(request, "public/surveys/step.html", context, locale=locale,
                             status_code=status_code)
    return embeddable(response, list(defn.allowed_embed_origins)) if embed else response


def _thanks_page(request: Request, survey: Survey | None, defn: SurveyDefinition | None,
                 locale: str, answers: Mapping[str, Any] | None, *, embed: bool = False
                 ) -> Response:
    t = i18n.translator(locale)
    title = localized(defn.title, locale, defn.default_locale) if defn else ""
    thanks = localized(defn.thanks, locale, defn.default_locale) if defn else ""
    show = bool(answers) and defn is not None and survey is not None and not survey.anonymous
    context = {"survey_title": title or t("survey.public.frame_title"), "thanks": thanks,
               "answers": answers_view(defn, answers or {}, locale) if show and defn else [],
               "embed": embed}
    response = render_public(request, "public/surveys/thanks.html", context, locale=locale)
    if embed and defn is not None:
        return embeddable(response, list(defn.allowed_embed_origins))
    return response


def _first_error(exc: AnswerInvalid, step: str, locale: str) -> str:
    return exc.by_question.get(step) or i18n.translator(locale)("survey.public.error.invalid")


def _definition_of(session: Session, workspace: WorkspaceId, survey: Survey,
                   progress: ResponseProgress | None) -> SurveyDefinition:
    if progress is None or progress.version == survey.version:
        return survey.definition
    return surveys.get_survey(session, workspace, survey.id, version=progress.version).definition


# --- hosted page (session cookie) ----------------------------------------------------------


def _state(request: Request, key: str) -> dict[str, Any]:
    value = request.session.get(f"survey:{key}")
    return dict(value) if isinstance(value, dict) else {}


def _save_state(request: Request, key: str, state: dict[str, Any]) -> None:
    request.session[f"survey:{key}"] = state


@router.get("/s/{key}", name="survey_page")
def survey_page(request: Request, key: str, step: str | None = None) -> Response:
    """Show the current step (or the step asked for, if already reached)."""
    locale = _locale(request)
    params = request.query_params
    with _tx(request) as (session, ws, runtime):
        now = runtime.clock.now()
        try:
            survey = surveys.get_public_survey(session, ws, key, at=now)
        except (SurveyNotFound, SurveyClosed) as exc:
            return _notice(request, exc, locale)
        defn = survey.definition
        title = localized(defn.title, locale, defn.default_locale)
        state = _state(request, key)
        token = params.get("t")
        hidden = clean_hidden(defn, params)
        if token is not None or hidden:
            # Keep the token and hidden fields in the session, then show a clean URL (no
            # token in links, the Referer header or the browser history).
            if token is not None:
                try:
                    surveys.check_invitation(session, ws, key, token, at=now)
                except (InvitationInvalid, InvitationUsed, InvitationExpired) as exc:
                    return _notice(request, exc, locale, title)
                if state.get("t") != token:
                    state = {"t": token}
            if hidden and not state.get("r"):
                state["h"] = hidden
            state.pop("done", None)
            _save_state(request, key, state)
            return RedirectResponse(public_path(request, "survey_page", key=key),
                                    status_code=303)
        progress = None
        if state.get("r"):
            try:
                progress = surveys.get_progress(session, ws, state["r"])
            except SurveyResponseNotFound:
                state.pop("r", None)
                _save_state(request, key, state)
        if progress is not None and progress.complete:
            state = {"done": "" if survey.anonymous else progress.response_id,
                     "l": progress.locale}
            _save_state(request, key, state)
            return RedirectResponse(public_path(request, "survey_thanks", key=key),
                                    status_code=303)
        defn = _definition_of(session, ws, survey, progress)
        if progress is not None:
            locale = _locale(request, progress.locale)
        if progress is None:
            first = surveys.next_step(defn, {}, None)
            if first == END:  # pragma: no cover - a definition has at least one question
                return _thanks_page(request, survey, defn, locale, None)
            total = len(surveys.path_of(defn, {}))
            return _step_page(request, survey, defn, locale, step=first, position=1,
                              total=total, answers={})
        current = progress.next_question or progress.path[-1]
        reached = progress.path[: progress.position]
        shown = step if step in reached else current
        return _step_page(request, survey, defn, locale, step=shown,
                          position=reached.index(shown) + 1 if shown in reached else
                          progress.position, total=progress.total, answers=progress.answers)


@router.post("/s/{key}", name="survey_submit", dependencies=[FormSize])
def survey_submit(
    request: Request,
    key: str,
    step: Annotated[str, Form(max_length=200)],
    answer: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form(max_length=20)] = "next",
    lang: Annotated[str | None, Form(max_length=10)] = None,
    csrf_token: Annotated[str | None, Form()] = None,
    website: Annotated[str | None, Form()] = None,
) -> Response:
    """Save one step's answer (or go Back) and redirect to the next step or the thanks page."""
    limit(request, "survey")
    check_form(request, csrf_token)
    locale = _locale(request, i18n.normalise_locale(lang))
    page = public_path(request, "survey_page", key=key)
    thanks = public_path(request, "survey_thanks", key=key)
    if is_bot(website):
        return RedirectResponse(thanks, status_code=303)
    state = _state(request, key)
    with _tx(request) as (session, ws, runtime):
        now = runtime.clock.now()
        try:
            survey = surveys.get_public_survey(session, ws, key, at=now)
        except (SurveyNotFound, SurveyClosed) as exc:
            return _notice(request, exc, locale)
        progress: ResponseProgress | None = None
        if state.get("r"):
            try:
                progress = surveys.get_progress(session, ws, state["r"])
            except SurveyResponseNotFound:
                state.pop("r", None)
        defn = _definition_of(session, ws, survey, progress)
        if progress is not None:
            locale = _locale(request, progress.locale)
        if step not in defn.question_ids:
            return RedirectResponse(page, status_code=303)
        answers = dict(progress.answers) if progress else {}
        if action == "back":
            previous = surveys.previous_step(defn, answers, step)
            target = f"{page}?{urlencode({'step': previous})}" if previous else page
            return RedirectResponse(target, status_code=303)
        value = form_answer(defn.question(step), answer or [])
        token = state.get("t")
        try:
            if progress is None:
                start = ResponseStart(
                    channel=Channel.PERSONAL if token else Channel.LINK, locale=locale,
                    hidden=state.get("h") or {}, token=token)
                progress = surveys.start_response(session, ws, survey.id, start, at=now)
                state["r"] = progress.response_id
                _save_state(request, key, state)
            progress = surveys.submit_answers(session, ws, progress.response_id, {step: value},
                                              at=now, token=token)
        except AnswerInvalid as exc:
            path = progress.path if progress else surveys.path_of(defn, answers)
            position = path.index(step) + 1 if step in path else 1
            return _step_page(request, survey, defn, locale, step=step, position=position,
                              total=len(path), answers=answers, value=value,
                              error=_first_error(exc, step, locale), status_code=400)
        except (InvitationInvalid, InvitationUsed, InvitationExpired) as exc:
            _save_state(request, key, {})
            return _notice(request, exc, locale,
                           localized(defn.title, locale, defn.default_locale))
        except SurveyResponseComplete:
            return RedirectResponse(thanks, status_code=303)
        if progress.complete:
            state = {"done": "" if survey.anonymous else progress.response_id,
                     "l": progress.locale}
            _save_state(request, key, state)
            return RedirectResponse(thanks, status_code=303)
    return RedirectResponse(page, status_code=303)


@router.get("/s/{key}/thanks", name="survey_thanks")
def survey_thanks(request: Request, key: str) -> Response:
    """The survey's thank-you text and, for named surveys, the visitor's own answers."""
    state = _state(request, key)
    locale = _locale(request, state.get("l"))
    done = state.get("done")
    with _tx(request) as (session, ws, _runtime):
        survey = surveys.find_survey_by_key(session, ws, key)
        if survey is None:
            return _notice(request, SurveyNotFound(), locale)
        answers: Mapping[str, Any] | None = None
        defn = survey.definition
        if done:
            try:
                response = surveys.get_response(session, ws, done)
                defn = surveys.get_survey(session, ws, survey.id,
                                          version=response.version).definition
                answers = response.answers
            except SurveyResponseNotFound:
                answers = None
    return _thanks_page(request, survey, defn, locale, answers)


# --- embed page (signed form state, no cookies needed) -------------------------------------


def _signer(request: Request) -> URLSafeTimedSerializer:
    settings: Settings = request.app.state.settings
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt="survey-embed")


def _embed_state(request: Request, key: str, raw: str | None) -> dict[str, Any]:
    """The signed state of an embed form; doubles as its CSRF token."""
    if not raw:
        raise CsrfInvalid()
    try:
        state = _signer(request).loads(raw, max_age=EMBED_STATE_MAX_AGE)
    except BadSignature as exc:
        raise CsrfInvalid() from exc
    if not isinstance(state, dict) or state.get("k") != key:
        raise CsrfInvalid()
    return state


def _sign(request: Request, state: dict[str, Any]) -> str:
    return str(_signer(request).dumps(state))


@router.get("/s/{key}/embed", name="survey_embed")
def survey_embed(request: Request, key: str) -> Response:
    """The first step of the survey, for the iframe widget (``survey-embed.js``)."""
    locale = _locale(request)
    with _tx(request) as (session, ws, runtime):
        try:
            survey = surveys.get_public_survey(session, ws, key, at=runtime.clock.now())
        except (SurveyNotFound, SurveyClosed) as exc:
            return _notice(request, exc, locale, embed=True)
        defn = survey.definition
        first = surveys.next_step(defn, {}, None)
        state = {"k": key, "r": None, "l": locale, "n": secrets.token_urlsafe(8),
                 "h": clean_hidden(defn, request.query_params)}
        return _step_page(request, survey, defn, locale, step=first, position=1,
                          total=len(surveys.path_of(defn, {})), answers={}, embed=True,
                          state=_sign(request, state))


@router.post("/s/{key}/embed", name="survey_embed_submit", dependencies=[FormSize])
def survey_embed_submit(
    request: Request,
    key: str,
    step: Annotated[str, Form(max_length=200)],
    answer: Annotated[list[str] | None, Form()] = None,
    action: Annotated[str, Form(max_length=20)] = "next",
    state: Annotated[str | None, Form(max_length=4000)] = None,
    website: Annotated[str | None, Form()] = None,
) -> Response:
    """Save one step of the widget and answer with the next step (or thanks) in place."""
    try:
        limit(request, "survey")
        data = _embed_state(request, key, state)
    except (RateLimited, CsrfInvalid) as exc:
        return _notice(request, exc, choose_public_locale(request), embed=True)
    locale = i18n.normalise_locale(data.get("l")) or choose_public_locale(request)
    with _tx(request) as (session, ws, runtime):
        now = runtime.clock.now()
        try:
            survey = surveys.get_public_survey(session, ws, key, at=now)
        except (SurveyNotFound, SurveyClosed) as exc:
            return _notice(request, exc, locale, embed=True)
        if is_bot(website):
            return _thanks_page(request, survey, survey.definition, locale, None, embed=True)
        progress = surveys.get_progress(session, ws, data["r"]) if data.get("r") else None
        if progress is not None and progress.complete:
            return _thanks_page(request, survey, survey.definition, locale, None, embed=True)
        defn = _definition_of(session, ws, survey, progress)
        answers = dict(progress.answers) if progress else {}
        if step not in defn.question_ids:
            step = (progress.next_question if progress and progress.next_question
                    else surveys.next_step(defn, {}, None))
            action = "stay"
        value = form_answer(defn.question(step), answer or [])
        error: str | None = None
        if action == "next":
            try:
                if progress is None:
                    progress = surveys.start_response(
                        session, ws, survey.id,
                        ResponseStart(channel=Channel.EMBED, locale=locale,
                                      hidden=data.get("h") or {}), at=now)
                    data["r"] = progress.response_id
                progress = surveys.submit_answers(session, ws, progress.response_id,
                                                  {step: value}, at=now)
            except AnswerInvalid as exc:
                error = _first_error(exc, step, locale)
            except SurveyResponseComplete:
                return _thanks_page(request, survey, defn, locale, None, embed=True)
            if progress is not None and progress.complete:
                return _thanks_page(request, survey, defn, locale, progress.answers,
                                    embed=True)
        answers = dict(progress.answers) if progress else answers
        path = progress.path if progress else surveys.path_of(defn, answers)
        if error is None:
            if action == "back":
                step = surveys.previous_step(defn, answers, step) or step
            elif progress is not None and progress.next_question:
                step = progress.next_question
            value = None
        position = path.index(step) + 1 if step in path else 1
        return _step_page(request, survey, defn, locale, step=step, position=position,
                          total=len(path), answers=answers, value=value, error=error,
                          embed=True, state=_sign(request, data),
                          status_code=400 if error else 200)
