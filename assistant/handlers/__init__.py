"""Channel code (python-telegram-bot conversations). The only package that imports telegram."""
