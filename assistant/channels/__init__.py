"""Channels other than Telegram's servers that run the same Application and handlers."""
