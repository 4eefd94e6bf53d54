"""Masking a phone number for display; a module of its own so the log formatter (needs/pii.py) needs no ORM."""
from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """"13812345678" -> "138****5678": long numbers keep the first 3 and last 4, short ones the last 2."""
    phone = (phone or "").strip()
    n = len(phone)
    if n >= 11:
        return phone[:3] + "*" * (n - 7) + phone[-4:]
    if n >= 6:
        return "*" * (n - 2) + phone[-2:]
    return "*" * n
