# The assistant in one container: `assistant bot` serves Telegram; the data dir (index, vector store, caches,
# SQLite when no DATABASE_URL) is the volume /data. Used by compose.yaml (bot + PostgreSQL).
# Written to be minimal and correct, but never built on the development machine (it has no Docker daemon).
FROM python:3.11-slim-bookworm

# pg_dump, pg_restore and psql for `assistant db backup/restore` (Debian 12: PostgreSQL 15, as compose.yaml's server)
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY assistant ./assistant
RUN pip install --no-cache-dir . && rm -rf build
COPY docs_corpus ./docs_corpus
COPY examples ./examples

# HOME on the volume: the embedding cache, 词林 and word-sound pickles (~/.cache/assistant) survive restarts
RUN useradd --system --uid 10001 --home-dir /data/home assistant \
    && mkdir -p /data/home && chown -R assistant:assistant /data
ENV PYTHONUNBUFFERED=1 \
    HOME=/data/home \
    ASSISTANT_DATA_DIR=/data \
    ASSISTANT_CORPUS_DIR=/app/docs_corpus
USER assistant
VOLUME /data
CMD ["assistant", "bot"]
