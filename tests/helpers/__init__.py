"""Test helpers (not tests): the Telegram Bot API emulator harness lives in ``tests.helpers.emulator``."""
