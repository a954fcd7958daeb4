"""Project roles as an ordered enum: annotator < reviewer < lead (stored as these strings)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role in a project; ``>=`` compares rank, so checks read as the rule."""

    ANNOTATOR = "annotator"
    REVIEWER = "reviewer"
    LEAD = "lead"

    @property
    def rank(self) -> int:
        """1 for annotator up to 3 for lead (no role ranks 0)."""
        return _RANKS[self]

    def __lt__(self, other: object) -> bool:
        return self.rank < Role(other).rank

    def __le__(self, other: object) -> bool:
        return self.rank <= Role(other).rank

    def __gt__(self, other: object) -> bool:
        return self.rank > Role(other).rank

    def __ge__(self, other: object) -> bool:
        return self.rank >= Role(other).rank


_RANKS = {role: rank for rank, role in enumerate(Role, start=1)}
ROLES = tuple(role.value for role in Role)  # the stored values, in order
