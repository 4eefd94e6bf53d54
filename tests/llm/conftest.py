"""The bot fixtures (settings on both databases with the example tree) for the chat tests here."""
from ..handlers.conftest import bot_settings, shared_data_dir  # noqa: F401 — fixtures
