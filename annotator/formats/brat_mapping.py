"""Which label a brat entity gets: by its type alone, or by its type and one attribute.

A mapping key is a brat entity type (``Claim``) or a type with an attribute value
(``Claim:Stance=For``); its value is our label key. The Argument Annotated Essays mark a
claim's side with a ``Stance`` attribute (``A1<TAB>Stance T3 Against``), so
``{"MajorClaim": "claim", "Claim:Stance=For": "support", "Claim:Stance=Against":
"condemnation"}`` sends each claim to a label by its side. The rules (docs/import.md):

* an entity whose type has attribute keys and which carries one of those attributes takes
  the label of its value; a value the mapping does not name is refused at its ``A`` line;
* an entity that carries none of them takes the label of its type alone, and is refused at
  its ``T`` line when the type alone is not mapped;
* an entity that matches keys of two attributes with different labels is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_KEY = re.compile(r"^(?P<type>[^\s:=]+)(?::(?P<name>[^\s:=]+)=(?P<value>[^\s:=]+))?$")


@dataclass
class LabelMap:
    """brat entity type (and attribute) -> label key, for one import."""

    plain: dict[str, str] = field(default_factory=dict)  # type -> label
    # type -> attribute name -> attribute value -> label
    by_attribute: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, mapping: Mapping[str, str]) -> LabelMap:
        """Parse mapping keys; ValueError names a key that is neither ``T`` nor ``T:A=V``."""
        labels = cls()
        for key, label in mapping.items():
            found = _KEY.match(key)
            if found is None:
                raise ValueError(f"'{key}' is neither a brat type nor TYPE:ATTRIBUTE=VALUE")
            kind, name, value = found.group("type", "name", "value")
            if name is None:
                labels.plain[kind] = label
            else:
                labels.by_attribute.setdefault(kind, {}).setdefault(name, {})[value] = label
        return labels

    def knows(self, kind: str) -> bool:
        """Whether any key names this entity type."""
        return kind in self.plain or kind in self.by_attribute

    def label(self, kind: str, attributes: Mapping[str, tuple[str, int]]) -> str:
        """The label of an entity of ``kind`` with ``attributes`` (name -> (value, line));
        ``Unplaced`` when the mapping cannot place it."""
        keyed = self.by_attribute.get(kind, {})
        found: dict[str, str] = {}  # label -> the key that gave it
        for name in sorted(keyed.keys() & attributes.keys()):
            value, line = attributes[name]
            if value not in keyed[name]:
                named = ", ".join(f"{kind}:{name}={v}" for v in sorted(keyed[name]))
                raise Unplaced(f"{kind}:{name}={value} is not mapped (the map has {named})", line)
            found.setdefault(keyed[name][value], f"{kind}:{name}={value}")
        if len(found) > 1:
            raise Unplaced(f"{' and '.join(found.values())} map to different labels")
        if found:
            return next(iter(found))
        if kind in self.plain:
            return self.plain[kind]
        names = " or ".join(sorted(keyed))
        raise Unplaced(f"{kind} has no {names} attribute and '{kind}' alone is not mapped")


class Unplaced(ValueError):
    """An entity the mapping gives no label; ``line`` is the attribute's (None: the T's)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
