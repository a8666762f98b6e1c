"""One validated settings object, built by :func:`load_settings` and passed into factories.

Never instantiate settings at import time: build them in ``create_app(settings)``, the CLI
callback, or a test.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kizuna.errors import ConfigurationInvalid

DEV_SECRET_PLACEHOLDER = "dev-insecure-change-me"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    """kizuna's configuration, read from ``KIZUNA_*`` environment variables (or ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="KIZUNA_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(
        "sqlite:///./kizuna.db",
        description="SQLAlchemy URL of the operational store: a SQLite file (default) or "
        "postgresql+psycopg://user@host/db.",
    )
    secret_key: SecretStr = Field(
        SecretStr(DEV_SECRET_PLACEHOLDER),
        description="Signs dashboard session cookies and CSRF tokens. Required outside dev mode.",
    )
    env: Literal["dev", "production"] = Field(
        "dev", description="`production` refuses the placeholder secret key."
    )
    host: str = Field("127.0.0.1", description="Address `kizuna serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `kizuna serve` listens on.")
    default_timezone: str = Field(
        "Asia/Tokyo", description="Time zone for displaying dates when a user has none."
    )
    default_locale: Literal["ja", "en"] = Field(
        "ja", description="Dashboard language before a user picks one."
    )
    max_event_bytes: int = Field(
        32 * 1024, description="Largest accepted single event (Segment's limit: 32 KB)."
    )
    max_batch_bytes: int = Field(
        500 * 1024, description="Largest accepted batch request body, after gunzip (500 KB)."
    )
    ingest_events_per_second: float = Field(
        20_000, ge=0, description="Events per second each source may send before ingest "
        "answers 429 with Retry-After (bursts of 5 s allowed; 0 turns the limit off)."
    )
    import_batch_size: int = Field(
        5000, ge=1, description="Rows written per transaction by `kizuna import`."
    )
    analytics_cache_seconds: float = Field(
        60, ge=0, description="How long the dashboard and /v1/metrics reuse computed figures "
        "before reading the store again (0 recomputes on every request)."
    )
    session_max_age_seconds: int = Field(
        60 * 60 * 12, description="Dashboard login lifetime in seconds."
    )
    secure_cookies: bool = Field(
        False, description="Mark dashboard cookies `Secure` (turn on behind HTTPS)."
    )
    login_rate_limit_per_minute: int = Field(
        10, description="Failed dashboard logins allowed per client address per minute."
    )
    public_posts_per_minute: float = Field(
        30, ge=0, description="Form posts (survey answers, ideas, votes, reviews) each client "
        "address may send to the public pages under /p per minute (0 turns the limit off)."
    )
    followup_default_owner: str | None = Field(
        None, description="Email of the dashboard user who owns new closed-loop follow-up "
        "tasks (unset: tasks start unassigned)."
    )
    followup_due_hours: int = Field(
        48, ge=1, le=24 * 90, description="Hours after the answer by which a follow-up task "
        "is due (overdue afterwards)."
    )
    smtp_url: SecretStr | None = Field(
        None, description="SMTP server for alerts and customer emails: "
        "smtp://user:pass@host:587?starttls=1, smtps://host:465 or smtp://127.0.0.1:1025 "
        "(unset: no alert email)."
    )
    alert_email_from: str | None = Field(
        None, description="Sender address of alert emails."
    )
    alert_email_to: str | None = Field(
        None, description="Comma-separated recipients of alert emails (unset: no alert email)."
    )
    alert_webhook_url: str | None = Field(
        None, description="URL that receives a signed JSON POST (Standard Webhooks) for "
        "each new follow-up task (unset: no webhook)."
    )
    alert_webhook_secret: SecretStr | None = Field(
        None, description="Secret for the webhook signature (whsec_<base64> or any string)."
    )
    webhook_allowed_hosts: str = Field(
        "", description="Comma-separated hosts that alert webhooks may reach even though they "
        "resolve to private, loopback or link-local addresses."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000", description="Public address of this server as customers "
        "reach it (scheme and host, no trailing path); unsubscribe and tracking links in "
        "emails point here."
    )
    email_from: str = Field(
        "kizuna@localhost", description="Envelope sender and default From of customer emails."
    )
    unsubscribe_mailto: str | None = Field(
        None, description="Address for the mailto: form of List-Unsubscribe (unset: only "
        "the one-click https link)."
    )
    dkim_domain: str | None = Field(
        None, description="Domain (d=) of DKIM signatures on customer emails (unset: no DKIM)."
    )
    dkim_selector: str = Field("kizuna", description="DKIM selector (s=).")
    dkim_private_key_file: str | None = Field(
        None, description="PEM file with the DKIM RSA private key."
    )
    idea_review_threshold: int = Field(
        10, ge=0, description="Votes at which a new idea on the idea board moves to "
        "`under_review` by itself (0 turns the automatic move off)."
    )
    housekeeping: bool = Field(
        True, description="Run the background housekeeping loop (loyalty processing, "
        "recommendation retraining) inside `kizuna serve`; turn off when a separate process "
        "or cron runs it."
    )
    loyalty_run_seconds: float = Field(
        60, gt=0, description="Seconds between loyalty programme runs per workspace."
    )
    recommend_check_seconds: float = Field(
        3600, gt=0, description="Seconds between checks whether recommendations are due for "
        "retraining (the recommender decides whether to train)."
    )
    segment_recompute_seconds: float = Field(
        3600, gt=0, description="Seconds between full segment recomputes per workspace (a "
        "safety net: membership is kept up to date incrementally by the dispatcher)."
    )
    scores_refresh_seconds: float = Field(
        3600, gt=0, description="Seconds between refreshes of the per-customer metric scores "
        "(RFM segment, CLV, P(alive), NPS group, journey stage, engagement) that segment "
        "metric conditions read; segments using them are re-evaluated after each refresh."
    )
    dispatcher: bool = Field(
        True, description="Run the event-feed dispatcher (incremental segments, journeys, "
        "time sweeps) inside `kizuna serve` and `kizuna worker`; on PostgreSQL one process "
        "at a time is active, the others stand by."
    )
    dispatch_poll_seconds: float = Field(
        0.1, gt=0, description="Seconds the dispatcher waits between polls of the event "
        "feed when idle."
    )
    dispatch_gap_wait_seconds: float = Field(
        5.0, ge=0, description="Seconds the dispatcher waits for a missing event id (an "
        "uncommitted or rolled-back insert) before moving its saved position past it."
    )
    segment_time_sweep_seconds: float = Field(
        60, gt=0, description="Seconds between sweeps that re-check the customers whose "
        "time-window segment conditions (within_days, no_order_for) changed as time passed."
    )
    worker_in_server: bool = Field(
        True, description="Run a delivery outbox worker thread inside `kizuna serve` (small "
        "installs); turn off when separate `kizuna worker` processes run the jobs."
    )
    worker_batch: int = Field(
        20, ge=1, le=100, description="Outbox jobs a worker thread claims and runs together "
        "(one policy check, one SMTP connection, one finishing transaction per batch); a "
        "worker killed mid-batch flags the batch's unsent messages as possible duplicates."
    )
    worker_poll_seconds: float = Field(
        0.2, ge=0.02, description="Seconds an idle outbox worker waits before looking for "
        "due jobs again (adds up to this much to trigger-to-send latency)."
    )
    job_stall_seconds: float = Field(
        30, gt=0, description="Seconds without a heartbeat after which a running outbox job "
        "counts as stalled (its worker crashed) and is re-queued by any worker."
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"KIZUNA_DATABASE_URL has value {value!r}: kizuna supports sqlite:///PATH and "
                "postgresql+psycopg://USER@HOST:PORT/DB"
            )
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split(":///", 1)[1] if ":///" in self.database_url else ""
        return Path(raw) if raw and raw != ":memory:" else None


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with ``overrides`` taking precedence.

    Raises :class:`ConfigurationInvalid` naming the key and the bad value.
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"KIZUNA_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationInvalid(f"Invalid configuration: {problems}") from exc
    if settings.env == "production" and (
        settings.secret_key.get_secret_value() == DEV_SECRET_PLACEHOLDER
    ):
        raise ConfigurationInvalid(
            "KIZUNA_SECRET_KEY is the development placeholder; set a random value "
            f"(for example {secrets.token_urlsafe(32)!r}) when KIZUNA_ENV=production."
        )
    return settings
