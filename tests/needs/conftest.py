"""The needs world (people, units, the shipped policy) for the needs tests."""
from ..helpers.world import policy, world  # noqa: F401  (fixtures)
