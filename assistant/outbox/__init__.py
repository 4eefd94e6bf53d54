"""The one outbox (issue 15): every message to a chat — scheduled digests (digest/outbox.py) and notices
(notices.py) — is a SQL row until sent; `retry` holds the claiming and backoff both share."""
