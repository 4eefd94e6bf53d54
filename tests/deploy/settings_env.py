"""The environment variables of the settings, as the deployment files must name them."""
from __future__ import annotations

from pydantic import AliasChoices

from assistant.config import Settings


def env_name(field: str) -> str:
    """The variable a deployment sets for a field: its first alias, else ASSISTANT_<FIELD>."""
    alias = Settings.model_fields[field].validation_alias
    return alias.choices[0] if isinstance(alias, AliasChoices) else f"ASSISTANT_{field.upper()}"


FIELDS = {env_name(field): field for field in Settings.model_fields}  # variable → field
