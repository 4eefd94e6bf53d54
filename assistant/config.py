"""Typed settings: every knob has an env var (prefix ASSISTANT_) and an embedded default."""
from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Application settings, read from the environment and `.env`."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where indexes and databases live.")
    corpus_dir: Path = Field(default=PROJECT_ROOT / "docs_corpus", description="Documents to index.")
    examples_dir: Path = Field(default=PROJECT_ROOT / "examples", description="The example org tree and sample needs `assistant demo` loads.")

    # Vector store: embedded Chroma by default, a server when chroma_url is set.
    chroma_url: str | None = Field(default=None, description="e.g. http://127.0.0.1:8000")
    chroma_collection: str = "directives"

    # Chunking and the limits of one document (a file over a limit is skipped and reported by the setting's name)
    max_chunk_chars: int = Field(default=600, description="Longer clauses are split by sentence.")
    max_document_bytes: int = Field(default=10 * 1024 * 1024, gt=0, description="A larger file is not indexed.")
    max_document_chunks: int = Field(default=2000, gt=0, description="A document cut into more chunks is not indexed.")
    embed_batch_size: int = Field(default=32, gt=0, description="Texts embedded (and stored) per batch.")
    reindex_wait_seconds: float = Field(default=5.0, ge=0, description="How long `assistant ask` waits for a re-index of a changed corpus before answering from the previous index.")

    # Retrieval
    candidates: int = Field(default=20, description="Hits taken from each retriever before fusion.")
    top_k: int = Field(default=5, description="Citations returned with an answer.")
    dense_weight: float = Field(default=0.4, description="Weight of the dense score in fusion (BM25 gets the rest).")
    confidence_threshold: float = Field(default=0.5, description="Below it the assistant says the documents do not cover the question.")
    max_question_chars: int = 1000
    embedding_threads: int | None = None
    embedding_cache_file: Path | None = Field(
        default=Path.home() / ".cache" / "assistant" / "vectors.sqlite",
        description="Vectors already computed (by model and text), shared by every data dir; empty: no cache.")
    embedding_seed_file: Path | None = Field(
        default=Path(__file__).parent / "knowledge" / "data" / "vectors-seed.npz",
        description="Read-only vectors shipped for the bundled corpus and bank (python -m assistant.knowledge.seed); empty: none.")

    # SQL storage: SQLite in the data dir by default, PostgreSQL (psycopg 3) by URL.
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ASSISTANT_DATABASE_URL"),
        description="e.g. postgresql+psycopg://user@127.0.0.1:5432/assistant",
    )
    sqlite_busy_timeout_seconds: float = Field(default=5.0, gt=0, description="SQLite: how long one try waits for the write lock.")
    sqlite_lock_wait_seconds: float = Field(default=300.0, ge=0, description="SQLite: how long a write keeps retrying (with backoff) while the lock stays busy; then it fails, with a log line.")

    # Registration
    invite_ttl_days: int = Field(default=7, description="How long an invite code stays valid.")
    invite_max_failures: int = Field(default=5, description="Wrong codes allowed per account per window.")
    invite_failure_window_minutes: int = 15
    invite_global_max_failures: int = Field(default=50, gt=0, description="Wrong codes allowed from all accounts together per global window; beyond it every redemption waits (guessing with many accounts).")
    invite_global_window_minutes: int = Field(default=15, gt=0)

    # Needs list
    escalation_interval_seconds: float = Field(default=300, description="How often overdue needs are escalated.")
    reminder_interval_seconds: float = Field(default=3600, description="How often unfinished check-ins are looked for.")
    processed_update_retention_hours: float = Field(default=48, description="How long handled update ids are kept to drop redeliveries (Telegram keeps an update at most 24 h).")

    # Telegram
    telegram_bot_token: str | None = Field(default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "ASSISTANT_TELEGRAM_BOT_TOKEN"))
    telegram_api_base_url: str = Field(default="https://api.telegram.org/bot", validation_alias=AliasChoices("TELEGRAM_API_BASE_URL", "ASSISTANT_TELEGRAM_API_BASE_URL"))
    telegram_file_base_url: str = Field(default="https://api.telegram.org/file/bot", validation_alias=AliasChoices("TELEGRAM_FILE_BASE_URL", "ASSISTANT_TELEGRAM_FILE_BASE_URL"))
    telegram_poll_interval: float = 1.0
    preview_chars: int = Field(default=300, gt=1, description="What a user typed, echoed back in a form, a summary, a card or a list, is cut to this many characters.")
    picker_page_size: int = Field(default=20, gt=0, le=90, description="Buttons per page of a picker (units, members…); more are paged with ◀ ▶ (Telegram shows at most 100).")
    picker_max_units: int = Field(default=200, gt=0, le=2000, description="Units a unit picker (invites, resources) offers, paged; with more, the form also takes a unit's name or code typed.")
    webhook_url: str | None = Field(default=None, description="Public URL; set to run in webhook mode behind a reverse proxy.")
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    health_listen: str = Field(default="127.0.0.1", description="Where the /healthz server of webhook mode listens.")
    health_port: int = Field(default=8444, ge=0, le=65535, description="Port of the /healthz server in webhook mode; 0: none.")

    # Needs list (issue 4): the policy file with categories, SLA hours and the escalation chain
    party_policy_file: Path | None = Field(default=None, description="A party policy YAML (check-ins, points, cases, compliance); the shipped assistant/policy/party.yaml when unset.")
    needs_policy_file: Path | None = Field(default=None, description="A needs policy YAML; the shipped assistant/policy/needs.yaml when unset.")
    intake_policy_file: Path | None = Field(default=None, description="The cues telling a need from a question in free text (clause 10); the shipped assistant/policy/intake.yaml when unset.")
    rubric_policy_file: Path | None = Field(default=None, description="A property-company evaluation rubric YAML (clause 12); the shipped assistant/policy/rubric.yaml when unset.")

    # LLM assistance (issue 8): none by default (extractive answers, rule-based intake); any OpenAI-compatible
    # endpoint (Qwen, DeepSeek, vLLM, Ollama, llama.cpp server). Its output is validated, never required.
    llm_base_url: str | None = Field(default=None, validation_alias=AliasChoices("LLM_BASE_URL", "ASSISTANT_LLM_BASE_URL"), description="e.g. http://127.0.0.1:11434/v1")
    llm_model: str | None = Field(default=None, validation_alias=AliasChoices("LLM_MODEL", "ASSISTANT_LLM_MODEL"))
    llm_api_key: str | None = Field(default=None, validation_alias=AliasChoices("LLM_API_KEY", "ASSISTANT_LLM_API_KEY"))
    llm_timeout: float = Field(default=8.0, gt=0, validation_alias=AliasChoices("LLM_TIMEOUT", "ASSISTANT_LLM_TIMEOUT"), description="Seconds for one LLM call; past it the rules answer.")
    llm_draft_timeout: float = Field(default=180.0, gt=0, description="Seconds for the LLM to draft one clause's bank questions (assistant draft-bank).")
    llm_temperature: float = 0.0
    llm_max_answer_chars: int = Field(default=600, description="A longer LLM answer is refused (extractive answer instead).")
    llm_embeddings_base_url: str | None = Field(default=None, validation_alias=AliasChoices("LLM_EMBEDDINGS_BASE_URL", "ASSISTANT_LLM_EMBEDDINGS_BASE_URL"), description="Defaults to LLM_BASE_URL when an embeddings model is set.")
    llm_embeddings_model: str | None = Field(default=None, validation_alias=AliasChoices("LLM_EMBEDDINGS_MODEL", "ASSISTANT_LLM_EMBEDDINGS_MODEL"), description="Unset: the bundled e5 embeddings.")

    # Coordinator digests (issue 7). Schedules are in the needs policy's time zone (default Asia/Shanghai); weekdays
    # ISO (1 = Monday). Defaults: daily 08:30 for branches and communities, Monday 09:00 for streets and the district.
    digest_daily_at: time = Field(default=time(8, 30), description="When branches and communities get yesterday's digest.")
    digest_daily_levels: tuple[str, ...] = ("compound", "community")
    digest_weekly_at: time = Field(default=time(9, 0), description="When streets and the district get last week's digest.")
    digest_weekly_days: tuple[int, ...] = Field(default=(1,), description="ISO weekdays of the weekly digest (1 = Monday).")
    digest_weekly_levels: tuple[str, ...] = ("street", "district")
    digest_tick_seconds: float = Field(default=60, description="How often due digest slots and the outbox are checked.")
    digest_catchup_hours: float = Field(default=6, description="A slot missed while down is still sent this long after.")
    digest_top_n: int = Field(default=8, description="Lines per list in a digest (sub-units, leaders, findings).")
    digest_hotspot_min: int = Field(default=2, description="Needs of one category at one place that make a 本期突出问题.")
    digest_export_max_rows: int = Field(default=50000, description="Needs per /export workbook.")
    digest_font_file: Path | None = Field(default=None, description="A CJK font for charts; mplfonts' Noto Sans CJK SC when unset.")

    # The outbox (issue 15): digests and notices alike are kept in SQL until sent, retried with backoff.
    outbox_tick_seconds: float = Field(default=30, description="How often the outbox is checked for messages due.")
    outbox_retry_seconds: float = Field(default=60, description="First retry delay of a failed send; doubles per attempt.")
    outbox_max_attempts: int = Field(default=10, description="Attempts before a message is marked failed (kept in SQL, logged).")
    outbox_lease_seconds: float = Field(default=120, description="A message being sent is not picked again for this long.")

    # Logging (issue 13): `assistant run` / `bot` / `chat` write here; no personal data in a line.
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_file: Path | None = Field(default=None, description="The log file; <data dir>/assistant.log when unset.")

    @field_validator("embedding_cache_file", "embedding_seed_file", mode="before")
    @classmethod
    def _no_cache_when_empty(cls, value):
        return None if value in ("", None) else Path(value).expanduser()

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    @field_validator("digest_weekly_days")
    @classmethod
    def _iso_weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 1 or d > 7 for d in value):
            raise ValueError("ISO weekdays 1 (Monday) to 7 (Sunday), at least one")
        return value

    @field_validator("digest_daily_levels", "digest_weekly_levels")
    @classmethod
    def _digest_levels(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if unknown := set(value) - {"district", "street", "community", "compound"}:
            raise ValueError(f"unknown level(s) {sorted(unknown)}; use district, street, community, compound")
        return value

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable of a setting (how messages name a limit)."""
        return cls.model_config["env_prefix"] + field.upper()

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in use: DATABASE_URL, or a SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'assistant.db').resolve()}"

    @property
    def log_path(self) -> Path:
        """The log file in use: ASSISTANT_LOG_FILE, or assistant.log in the data directory."""
        return self.log_file or self.data_dir / "assistant.log"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings object."""
    return Settings()
