"""Interning values to integer codes, for rows given as objects or as an integer array. Pure.

``stances`` codes statements, annotators, labels and actors before it computes anything.
The agreement job passes a million stances as one int64 array (``review.agreement_input``);
tests and small callers pass ``Mark`` objects. Both give the same codes: positions among
given keys, sorted distinct values, or the order of first occurrence (``dict.fromkeys``'s).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from operator import attrgetter

import numpy as np


def columns(marks, fields_of) -> dict:
    """One column per field name: array columns as they are, attributes of objects as lists."""
    if isinstance(marks, np.ndarray):
        return {name: marks[:, k] for k, name in enumerate(fields_of)}
    marks = list(marks)  # a column per attribute: much faster than rows of tuples
    return {name: list(map(attrgetter(name), marks)) for name in fields_of}


def distinct(values) -> list:
    """The distinct values, sorted."""
    if isinstance(values, np.ndarray):
        return np.unique(values).tolist()
    return sorted(set(values))


def first_seen(values) -> list:
    """The distinct values in the order of their first occurrence (dict.fromkeys's order)."""
    if not isinstance(values, np.ndarray):
        return list(dict.fromkeys(values))
    found, first = np.unique(values, return_index=True)
    return found[np.argsort(first)].tolist()


def codes(values, keys: Iterable[Hashable]) -> np.ndarray:
    """Position of each value among keys, -1 for values not among them."""
    if isinstance(values, np.ndarray):
        return _array_codes(values, np.fromiter(keys, np.int64))
    code = defaultdict(lambda: -1, {x: k for k, x in enumerate(keys)})
    return np.fromiter(map(code.__getitem__, values), np.int64, len(values))


def _array_codes(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """codes() of integer values among distinct integer keys, by binary search."""
    if not len(keys):
        return np.full(len(values), -1, np.int64)
    order = np.argsort(keys, kind="stable")
    pos = np.minimum(np.searchsorted(keys[order], values), len(keys) - 1)
    return np.where(keys[order][pos] == values, order[pos], -1)
