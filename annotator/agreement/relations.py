"""Inter-annotator agreement on relations: pure functions over plain data (no Flask, no database).

Input: the statements in scope (``stances.Unit``: who works where), every annotator's
stances as ``Node``s (id and span), and their relations as ``Link``s between node ids.
Relations on statements out of scope, or by annotators not listed on the unit, are ignored.

Choices (docs/relations.md has the formulas):

* A relation is compared by its ends' spans and its direction; a stance's label and actors
  do not count. Per annotator pair and statement, an end of a's relation is matched to an
  end of b's by **exact** span (same start and end) or by **overlap**: the distinct spans of
  a and of b are aligned one-to-one, greedily by largest overlap, ties by position, the rule
  ``stances`` uses for marks (``align_spans``). Spans sharing no code point never align.
* matched = size of the multiset intersection of a's relations (ends mapped through the
  alignment) and b's; ``relation_f1`` = 2 * matched / (n_a + n_b), symmetric (F1 with either
  annotator as reference). ``typed_f1`` also requires the same type. Pooled over statements
  and over pairs for the project (micro).
* Type agreement: over the relations whose (aligned) ends and direction both annotators
  linked; when the same ends carry several types, equal types pair first, the rest in sorted
  order. ``type_kappa`` is Cohen's kappa per pair, the project figure the mean over pairs (as
  for stances); ``type_alpha`` is Krippendorff's nominal alpha over the pooled items, each
  holding the two types of one pair (with two annotators the usual alpha).
* per_type: ``typed_f1`` of that type's relations alone; kappa and alpha one-vs-rest on the
  same items, so None when the type never varies.
* A figure that cannot be computed is None, with the reason in ``notes``; floats have 4 decimals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import NamedTuple

from annotator.agreement.coefficients import cohen_kappa, nominal_alpha
from annotator.agreement.stances import Unit

METRICS = (
    "relation_f1_exact",
    "relation_f1_overlap",
    "typed_f1_exact",
    "typed_f1_overlap",
    "type_kappa",
    "type_alpha",
)
TYPE_METRICS = ("typed_f1_exact", "typed_f1_overlap", "type_kappa", "type_alpha")
Span = tuple[int, int]
Key = tuple[Span, Span]


class Node(NamedTuple):
    """A stance as a relation end: any hashable id, unique in the input; code points.

    A tuple, so plain tuples in this order serve too (a million read from the database).
    """

    id: Hashable
    statement: str
    annotator: str
    start: int
    end: int


class Link(NamedTuple):
    """A relation of the annotator who owns both stances: source -> target, of a type."""

    source: Hashable
    target: Hashable
    type: str


@dataclass
class _Counts:
    """What one annotator pair has in common, summed over statements (also pooled)."""

    n: int = 0  # n_a + n_b
    exact: int = 0
    overlap: int = 0
    typed_exact: int = 0
    typed_overlap: int = 0
    n_type: Counter = field(default_factory=Counter)
    typed_exact_by: Counter = field(default_factory=Counter)
    typed_overlap_by: Counter = field(default_factory=Counter)
    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: _Counts) -> None:
        """Pool another pair's (or statement's) counts into these."""
        self.n += other.n
        self.exact += other.exact
        self.overlap += other.overlap
        self.typed_exact += other.typed_exact
        self.typed_overlap += other.typed_overlap
        # What Counter.update does, without its type checks (a third of pooling 100,000).
        for mine, theirs in (
            (self.n_type, other.n_type),
            (self.typed_exact_by, other.typed_exact_by),
            (self.typed_overlap_by, other.typed_overlap_by),
        ):
            for key, n in theirs.items():
                mine[key] += n
        self.items.extend(other.items)


@dataclass
class Compared:
    """Each statement's pair counts (a, b, counts) and relation total, in scope order.

    The counts of one statement depend on its own annotators, spans and relations alone, so
    they can be stored per statement and pooled again later: ``relation_figures`` gives the
    same figures from stored counts as from fresh ones (a stored project result is incremental).
    """

    pairs: dict[Hashable, list[tuple[Hashable, Hashable, _Counts]]] = field(default_factory=dict)
    n_relations: dict[Hashable, int] = field(default_factory=dict)


def compare_statements(
    units: Iterable[Unit], nodes: Iterable[Node], links: Iterable[Link], only=None
) -> Compared:
    """The counts of every annotator pair on every statement in scope (or the ones in only)."""
    scope: dict[str, set[str]] = defaultdict(set)
    for unit in units:
        if only is None or unit.statement in only:
            scope[unit.statement] |= set(unit.annotators)
    spans, work = _work(scope, nodes, links)
    out = Compared()
    for statement, annotators in scope.items():
        out.pairs[statement] = [
            (
                a,
                b,
                compare(
                    spans[statement, a], work[statement, a], spans[statement, b], work[statement, b]
                ),
            )
            for a, b in combinations(sorted(annotators), 2)
        ]
        out.n_relations[statement] = sum(len(work[statement, a]) for a in annotators)
    return out


def compute_relation_agreement(
    units: Iterable[Unit], nodes: Iterable[Node], links: Iterable[Link]
) -> dict:
    """All relation agreement figures as one JSON-able dict (project, per type, per pair)."""
    return relation_figures(compare_statements(units, nodes, links))


def relation_figures(compared: Compared) -> dict:
    """The figures of per-statement counts, pooled over statements and then over pairs."""
    pairs: dict[tuple[str, str], _Counts] = defaultdict(_Counts)
    for rows in compared.pairs.values():
        for a, b, counts in rows:
            pairs[a, b].add(counts)
    total, notes = _Counts(), []
    for counts in pairs.values():
        total.add(counts)
    kappas = {pair: cohen_kappa(c.items) for pair, c in pairs.items()}
    out = _figures(total, _mean(kappas.values()), nominal_alpha(total.items))
    notes.extend(_why(out, total, pairs, ""))
    types = sorted(total.n_type)
    out["per_type"] = {t: _type_figures(t, total, pairs, notes) for t in types}
    out["pairs"] = [_pair_row(a, b, c, kappas[a, b]) for (a, b), c in sorted(pairs.items())]
    n_relations = sum(compared.n_relations.values())
    return out | {"n_statements": len(compared.pairs), "n_relations": n_relations, "notes": notes}


def counts_json(c: _Counts) -> dict:
    """One pair's counts on one statement as JSON (Counter keys kept as pairs: types are ids)."""
    plain = {k: getattr(c, k) for k in ("n", "exact", "overlap", "typed_exact", "typed_overlap")}
    by = {
        k: sorted(getattr(c, k).items()) for k in ("n_type", "typed_exact_by", "typed_overlap_by")
    }
    return plain | by | {"items": [list(i) for i in c.items]}


def counts_from_json(d: dict) -> _Counts:
    """The inverse of ``counts_json``.

    The Counters are filled with dict.update, which takes the stored [key, n] pairs as
    they are: Counter.update's checks cost half of decoding 100,000 statements' counts.
    """
    by = []
    for k in ("n_type", "typed_exact_by", "typed_overlap_by"):
        counter = Counter()
        dict.update(counter, d[k])
        by.append(counter)
    plain = (d["n"], d["exact"], d["overlap"], d["typed_exact"], d["typed_overlap"])
    return _Counts(*plain, *by, list(map(tuple, d["items"])))


def _work(scope: Mapping[str, set[str]], nodes: Iterable[Node], links: Iterable[Link]):
    """Spans and relations (source span, target span, type) per (statement, annotator)."""
    by_id: dict[Hashable, Node] = {}
    spans: dict[tuple[str, str], set[Span]] = defaultdict(set)
    for node in nodes:
        nid, statement, annotator, start, end = node
        if nid in by_id:
            raise ValueError(f"stance id {nid!r} is given twice")
        by_id[nid] = node
        if annotator in scope.get(statement, ()):
            spans[statement, annotator].add((start, end))
    work: dict[tuple[str, str], list[tuple[Span, Span, str]]] = defaultdict(list)
    for link in links:
        source, target = by_id.get(link[0]), by_id.get(link[1])
        if source is None or target is None:
            raise ValueError(f"relation {tuple(link)!r} names a stance that is not given")
        owner = (source[1], source[2])
        if owner != (target[1], target[2]):
            raise ValueError(f"relation {tuple(link)!r} links stances of two statements or owners")
        if source[2] in scope.get(source[1], ()):
            work[owner].append(((source[3], source[4]), (target[3], target[4]), link[2]))
    return spans, work


def compare(
    spans_a: Iterable[Span],
    rels_a: list[tuple[Span, Span, str]],
    spans_b: Iterable[Span],
    rels_b: list[tuple[Span, Span, str]],
) -> _Counts:
    """The counts of two annotators' relations on one statement."""
    counts = _Counts(n=len(rels_a) + len(rels_b))
    counts.n_type.update(t for *_, t in rels_a + rels_b)
    aligned = align_spans(spans_a, spans_b)
    for mode, mapping in (("exact", None), ("overlap", aligned)):
        mapped = [_mapped(r, mapping) for r in rels_a]
        typed = Counter(m for m in mapped if m is not None) & Counter(rels_b)
        plain = Counter(m[:2] for m in mapped if m is not None) & Counter(r[:2] for r in rels_b)
        setattr(counts, mode, sum(plain.values()))
        setattr(counts, f"typed_{mode}", sum(typed.values()))
        by_type = getattr(counts, f"typed_{mode}_by")
        for relation, n in typed.items():
            by_type[relation[2]] += n
    counts.items = _type_items(
        [m for m in (_mapped(r, aligned) for r in rels_a) if m is not None], rels_b
    )
    return counts


def _mapped(relation: tuple[Span, Span, str], mapping: Mapping[Span, Span] | None):
    """a's relation with its ends in b's spans, or None when an end has no partner."""
    source, target, kind = relation
    if mapping is None:
        return relation
    if source in mapping and target in mapping:
        return mapping[source], mapping[target], kind
    return None


def _type_items(rels_a: list, rels_b: list) -> list[tuple[str, str]]:
    """(type by a, type by b) for every relation both linked; equal types pair first."""
    types_a, types_b = defaultdict(list), defaultdict(list)
    for source, target, kind in rels_a:
        types_a[source, target].append(kind)
    for source, target, kind in rels_b:
        types_b[source, target].append(kind)
    items = []
    for ends in sorted(types_a.keys() & types_b.keys()):
        ca, cb = Counter(types_a[ends]), Counter(types_b[ends])
        same = ca & cb
        items.extend((t, t) for t in sorted(same.elements()))
        rest_a, rest_b = sorted((ca - same).elements()), sorted((cb - same).elements())
        items.extend(zip(rest_a, rest_b, strict=False))  # unequal counts: the extra are unpaired
    return items


def align_spans(spans_a: Iterable[Span], spans_b: Iterable[Span]) -> dict[Span, Span]:
    """One-to-one alignment of a's distinct spans to b's: largest overlap first, then position.

    Position is the rank of a span among both sets, ordered by (start, end); a pair's is
    (lower rank, higher rank). Pairs tied on both are disjoint, so the result depends on the
    spans alone, whichever annotator is a; identical span sets align each span to itself.
    """
    a, b = sorted(set(spans_a)), sorted(set(spans_b))
    rank = {span: i for i, span in enumerate(sorted(set(a) | set(b)))}
    candidates = []
    for sa in a:
        for sb in b:
            if sb[0] >= sa[1]:
                break
            shared = min(sa[1], sb[1]) - max(sa[0], sb[0])
            if shared > 0:
                low, high = sorted((rank[sa], rank[sb]))
                candidates.append((-shared, low, high, sa, sb))
    candidates.sort(key=lambda c: c[:3])
    aligned: dict[Span, Span] = {}
    taken: set[Span] = set()
    for *_, sa, sb in candidates:
        if sa not in aligned and sb not in taken:
            aligned[sa] = sb
            taken.add(sb)
    return aligned


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _mean(values: Iterable[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def _num(x: float | None) -> float | None:
    """A JSON-safe rounded float, None for missing."""
    return None if x is None else round(float(x), 4)


def _figures(c: _Counts, kappa: float | None, alpha: float | None) -> dict:
    return {
        "relation_f1_exact": _num(_ratio(2 * c.exact, c.n)),
        "relation_f1_overlap": _num(_ratio(2 * c.overlap, c.n)),
        "typed_f1_exact": _num(_ratio(2 * c.typed_exact, c.n)),
        "typed_f1_overlap": _num(_ratio(2 * c.typed_overlap, c.n)),
        "type_kappa": _num(kappa),
        "type_alpha": _num(alpha),
    }


def _type_figures(kind: str, total: _Counts, pairs: Mapping, notes: list) -> dict:
    """One type's figures: its relations alone for F1, one-vs-rest codings for the rest."""

    def binary(items):
        return [(a == kind, b == kind) for a, b in items]

    n = total.n_type[kind]
    kappa = _mean(cohen_kappa(binary(c.items)) for c in pairs.values())
    out = {
        "typed_f1_exact": _num(_ratio(2 * total.typed_exact_by[kind], n)),
        "typed_f1_overlap": _num(_ratio(2 * total.typed_overlap_by[kind], n)),
        "type_kappa": _num(kappa),
        "type_alpha": _num(nominal_alpha(binary(total.items))),
    }
    notes.extend(_why(out, total, pairs, f"per_type.{kind}."))
    return out


def _pair_row(a: str, b: str, c: _Counts, kappa: float | None) -> dict:
    figures = _figures(c, kappa, nominal_alpha(c.items))
    return {"a": a, "b": b} | figures | {"n_relations": c.n, "n_type_items": len(c.items)}


def _why(out: dict, total: _Counts, pairs: Mapping, prefix: str) -> list[str]:
    """Why each missing figure is missing, from the most basic cause up."""
    if not pairs:
        reason = "fewer than two annotators on any statement"
    elif not total.n:
        reason = "no relations on statements with two or more annotators"
    elif not total.items:
        reason = "no relation linked by two annotators"
    else:
        reason = "no variation in the types, so chance agreement is total"
    return [f"{prefix}{key}: {reason}" for key, value in out.items() if value is None]
