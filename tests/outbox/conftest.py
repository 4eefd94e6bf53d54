from ..helpers.world import policy, world  # noqa: F401  (fixtures)
