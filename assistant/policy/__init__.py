"""Policy files (the directive's numbers as configurable defaults) and their validating loaders."""
from .loader import (
                     SHIPPED_NEEDS_POLICY,
                     Category,
                     NeedsPolicy,
                     PartyType,
                     PolicyError,
                     Sla,
                     default_needs_policy,
                     load_needs_policy,
                     parse_needs_policy,
)

__all__ = ["SHIPPED_NEEDS_POLICY", "Category", "NeedsPolicy", "PartyType", "PolicyError", "Sla",
           "default_needs_policy", "load_needs_policy", "parse_needs_policy"]
