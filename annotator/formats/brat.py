"""``brat``: brat standoff, a folder of ``<document>.txt`` + ``<document>.ann`` pairs (one per
statement and owner, named by ``relations.document_name``) with ``annotation.conf`` and
``tools.conf``; and the reader that brings such a folder back.

In the ``.ann``: a ``T`` line per stance (its label key as the entity type), an ``A`` line
for its polarity (attribute ``Polarity``), an ``N`` line for its target actor (``Wikidata:Q…``
when the actor has a QID, else ``Registry:<key>``), an ``R`` line per relation
(``<type> Arg1:T… Arg2:T…``) and ``#`` AnnotatorNotes for notes (line breaks become spaces).
Holders are not expressed (use ``jsonl``). A stance across a line break is written as
fragments split at each ``\\n``, as brat's own editor does; the reader joins them again.

Offsets: brat counts code points, as we do: its server slices Python strings and its
editor counts code points since brat issue #1115 (commit db78d872, 2020), so nothing is
converted. The ``.txt`` is the statement text as stored (``\\n`` line ends).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from annotator.formats import Bundles, Counts, ExportContext, Exporter, FormatError
from annotator.formats.brat_mapping import LabelMap, Unplaced
from annotator.formats.relations import (
    EndIndex,
    by_owner,
    count_relations,
    document_name,
    iter_relation_bundles,
    split_document_name,
    with_relation_ends,
)

ATTRIBUTE = "Polarity"
NORMALIZATION = {"Wikidata": "wikidata", "Registry": "id"}  # N line database -> actor field
TOOLS_CONF = (
    "[normalization]\n"
    "Wikidata\t<URL>:https://www.wikidata.org/, <URLBASE>:https://www.wikidata.org/wiki/%s\n"
)
_BLANKS = re.compile(r"[\t\n\r]+")


def brat_ann(text: str, stances: list[Mapping], relations: list[Mapping]) -> str:
    """The ``.ann`` of one document: T, A, N, R and # lines, in that order."""
    ends = sorted(with_relation_ends(stances, relations), key=_stance_key)  # stable sort
    tids = [(f"T{n}", stance) for n, stance in enumerate(ends, 1)]
    by_end = EndIndex()
    for tid, stance in tids:
        by_end.add(stance, tid)
    rels = sorted(relations, key=lambda r: (_n(by_end[r["from"]]), _n(by_end[r["to"]])))
    rids = [(f"R{n}", relation) for n, relation in enumerate(rels, 1)]
    polar = [(tid, s["polarity"]) for tid, s in tids if s.get("polarity")]
    targets = [(tid, s["target"]) for tid, s in tids if _reference(s.get("target"))]
    notes = [(ref, record.get("note")) for ref, record in [*tids, *rids] if record.get("note")]
    lines = [_t_line(text, tid, stance) for tid, stance in tids]
    lines += [f"A{n}\t{ATTRIBUTE} {tid} {value}" for n, (tid, value) in enumerate(polar, 1)]
    lines += [_n_line(n, tid, target) for n, (tid, target) in enumerate(targets, 1)]
    lines += [
        f"{rid}\t{r['type']} Arg1:{by_end[r['from']]} Arg2:{by_end[r['to']]}" for rid, r in rids
    ]
    lines += [
        f"#{n}\tAnnotatorNotes {ref}\t{_one_line(note)}" for n, (ref, note) in enumerate(notes, 1)
    ]
    return "".join(line + "\n" for line in lines)


def _stance_key(stance: Mapping) -> tuple:
    target = stance.get("target") or {}
    return stance["start"], stance["end"], stance["label"], str(_reference(target) or "")


def _n(brat_id: str) -> int:
    return int(brat_id[1:])


def _t_line(text: str, tid: str, stance: Mapping) -> str:
    pieces = fragments(text, stance["start"], stance["end"])
    offsets = ";".join(f"{s} {e}" for s, e in pieces)
    covered = " ".join(text[s:e] for s, e in pieces)
    return f"{tid}\t{stance['label']} {offsets}\t{covered}"


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The span cut at each line break, empty pieces dropped (brat lines cannot hold one)."""
    pieces, at = [], start
    for part in text[start:end].split("\n"):
        if part:
            pieces.append((at, at + len(part)))
        at += len(part) + 1
    return pieces


def _reference(target: Mapping | None) -> str | None:
    """``Wikidata:Q…`` or ``Registry:<key>`` for an actor, None when it has neither."""
    if not target:
        return None
    for database, field in NORMALIZATION.items():
        if target.get(field):
            return f"{database}:{target[field]}"
    return None


def _n_line(n: int, tid: str, target: Mapping) -> str:
    reference = _reference(target)
    name = _one_line(target.get("name") or reference.partition(":")[2])
    return f"N{n}\tReference {tid} {reference}\t{name}"


def _one_line(value: str) -> str:
    return _BLANKS.sub(" ", value).strip()


def annotation_conf(labels: Iterable[str], relation_types: Iterable[str], polarities) -> str:
    """brat's annotation.conf: labels as entities, relation types between any two, overlaps
    allowed (stances may overlap), and the polarity attribute."""
    lines = ["# Written by stance-annotator: see docs/relations.md.", "[entities]"]
    lines += list(labels)
    lines += ["", "[relations]"]
    lines += [f"{kind}\tArg1:<ENTITY>, Arg2:<ENTITY>" for kind in relation_types]
    lines += ["<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>", "", "[events]", ""]
    lines += ["[attributes]"]
    values = "|".join(sorted(set(polarities)))
    if values:
        lines.append(f"{ATTRIBUTE}\tArg:<ENTITY>, Value:{values}")
    return "\n".join(lines) + "\n"


def write(bundles: Bundles, out: str | Path, ctx: ExportContext) -> Counts:
    """Write the documents, then the configuration that names every type they use."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    counts, labels, kinds = Counts(), [label["key"] for label in ctx.labels], set()
    polarities = {label["polarity"] for label in ctx.labels if label.get("polarity")}
    for statement, stances, relations in iter_relation_bundles(bundles):
        count_relations(counts, relations)
        for owner, (own_stances, own_relations) in by_owner(stances, relations).items():
            name = document_name(statement["id"], owner)
            ann = brat_ann(statement["text"], own_stances, own_relations)
            _write_text(folder / f"{name}.txt", statement["text"])
            _write_text(folder / f"{name}.ann", ann)
            counts.rows += 1
            labels += [s["label"] for s in own_stances if s["label"] not in labels]
            kinds.update(r["type"] for r in own_relations)
            polarities.update(s["polarity"] for s in own_stances if s.get("polarity"))
    _write_text(folder / "annotation.conf", annotation_conf(labels, sorted(kinds), polarities))
    _write_text(folder / "tools.conf", TOOLS_CONF)
    return counts


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="")


# ---- reading ----


def read_folder(
    folder: str | Path,
    *,
    labels: Mapping[str, str] | LabelMap,
    relation_types: Mapping[str, str],
) -> Iterator[dict[str, Any]]:
    """Each ``.ann`` of a folder with its ``.txt`` as a bundle, in name order (read_document);
    the label mapping is parsed once for all of them (or comes parsed)."""
    labels = label_map(labels)
    for ann_path in sorted(Path(folder).glob("*.ann")):
        txt_path = ann_path.with_suffix(".txt")
        if not txt_path.exists():
            raise FormatError(f"no {txt_path.name} beside it", file=ann_path.name)
        with txt_path.open(encoding="utf-8") as fh:  # universal newlines, as brat reads it
            text = fh.read()
        ann = ann_path.read_text(encoding="utf-8")
        yield read_document(
            ann_path.stem, text, ann, labels=labels, relation_types=relation_types,
            file=ann_path.name,
        )  # fmt: skip


def label_map(labels: Mapping[str, str] | LabelMap) -> LabelMap:
    """The label mapping parsed (``brat_mapping``), once per run; FormatError for a bad key."""
    if isinstance(labels, LabelMap):
        return labels
    try:
        return LabelMap.of(labels)
    except ValueError as exc:
        raise FormatError(f"the label mapping: {exc}") from None


def read_document(
    name: str,
    text: str,
    ann: str,
    *,
    labels: Mapping[str, str] | LabelMap,
    relation_types: Mapping[str, str],
    file: str | None = None,
) -> dict[str, Any]:
    """One document as a bundle: statement ``{id, text}``, stances and relations, plus
    ``file`` and ``lines`` (brat id -> line, ``"N <T id>"`` for a target's N line) for an
    importer's messages.

    ``labels`` maps brat types, or a type with an attribute value (``Claim:Stance=For``,
    see ``brat_mapping``), to label keys (a ``LabelMap`` already parsed, or the mapping to
    parse), ``relation_types`` relation types to type keys;
    an unmapped type or attribute value, an offset whose text differs from the ``.txt``, a
    reference to an unknown ``T`` and an annotation kind we do not read (events,
    equivalences) raise FormatError at file:line.
    """
    statement_id, owner = split_document_name(name)
    scope = {"annotator": owner, "scope": "annotator" if owner is not None else "gold"}
    reader = _Reader(text, label_map(labels), relation_types, file or f"{name}.ann")
    rows = [(n, line.rstrip("\r")) for n, line in enumerate(ann.split("\n"), 1)]
    rows = [(n, line) for n, line in rows if line.strip()]

    def kind(row: tuple[int, str]) -> int:
        return {"T": 0, "R": 1}.get(row[1][0], 2)

    for n, line in sorted(rows, key=kind):  # T, R, the rest: a line may name a later one
        if line[0] == "T":
            reader.textbound(n, line)
        else:
            reader.other(n, line)
    reader.place()
    stances = [stance | scope for stance in reader.stances.values()]
    relations = [relation | scope for relation in reader.relations.values()]
    statement = {"id": statement_id, "text": text}
    bundle = {"statement": statement, "stances": stances, "relations": relations}
    return bundle | {"file": reader.file, "lines": reader.lines}


class _Reader:
    """The state of one .ann being read: its stances and relations by brat id."""

    def __init__(self, text: str, labels: LabelMap, relation_types: Mapping, file: str) -> None:
        self.text, self.labels, self.relation_types, self.file = text, labels, relation_types, file
        self.stances: dict[str, dict] = {}
        self.relations: dict[str, dict] = {}
        self.lines: dict[str, int] = {}  # brat id (and "N <tid>" for a target) -> line
        self.kinds: dict[str, str] = {}  # T id -> its brat type, placed by ``place``
        self.attributes: dict[str, dict[str, tuple[str, int]]] = {}  # T id -> name -> (value, line)

    def fail(self, n: int, message: str) -> FormatError:
        return FormatError(message, file=self.file, line=n)

    def textbound(self, n: int, line: str) -> None:
        parts = line.split("\t", 2)
        head = parts[1].split(" ", 1) if len(parts) == 3 else []
        if len(head) != 2:
            raise self.fail(n, "a T line is 'T<n><TAB><type> <start> <end><TAB><text>'")
        tid, (kind, offsets), covered = parts[0], head, parts[2]
        pieces = self._offsets(n, offsets)
        expected = " ".join(self.text[s:e] for s, e in pieces)
        if covered != expected:
            there = expected if len(expected) <= 60 else expected[:59] + "…"
            raise self.fail(n, f"{tid} says {covered!r} but the .txt has {there!r} at {offsets}")
        start, end = pieces[0][0], pieces[-1][1]
        self._new_id(n, tid, self.stances)
        if not self.labels.knows(kind):
            raise self.fail(n, f"the entity type {kind!r} is not mapped to ours")
        self.lines[tid], self.kinds[tid], self.attributes[tid] = n, kind, {}
        self.stances[tid] = {
            "id": tid, "start": start, "end": end, "text": self.text[start:end],
            "label": None, "polarity": None, "target": None, "note": "",
        }  # fmt: skip

    def place(self) -> None:
        """Give each stance its label (type and attributes now known) and each relation its
        ends, which carry the label."""
        for tid, stance in self.stances.items():
            try:
                stance["label"] = self.labels.label(self.kinds[tid], self.attributes[tid])
            except Unplaced as exc:
                raise self.fail(exc.line or self.lines[tid], f"{tid}: {exc}") from None
        for relation in self.relations.values():
            relation["from"], relation["to"] = (
                _end(self.stances[relation[end]]) for end in ("from", "to")
            )

    def _offsets(self, n: int, offsets: str) -> list[tuple[int, int]]:
        try:
            pieces = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
        except ValueError:
            raise self.fail(n, f"offsets {offsets!r} are not numbers") from None
        last = 0
        for piece in pieces:
            if len(piece) != 2 or not last <= piece[0] < piece[1] <= len(self.text):
                raise self.fail(n, f"offsets {offsets!r} are not spans inside the .txt, in order")
            last = piece[1]
        return pieces

    def _new_id(self, n: int, brat_id: str, table: dict) -> None:
        if brat_id in table:
            raise self.fail(n, f"{brat_id} is defined twice")

    def _mapped(self, n: int, kind: str, mapping: Mapping, what: str) -> str:
        if kind not in mapping:
            raise self.fail(n, f"the {what} type {kind!r} is not mapped to ours")
        return mapping[kind]

    def _stance(self, n: int, tid: str) -> dict:
        if tid not in self.stances:
            raise self.fail(n, f"{tid} is not a T annotation of this file")
        return self.stances[tid]

    def other(self, n: int, line: str) -> None:
        parts = line.split("\t")
        words = parts[1].split() if len(parts) > 1 else []
        kind = line[0]
        if kind == "R" and len(words) == 3:
            self.relation(n, parts[0], words)
        elif kind in "AM" and len(words) == 3:
            self.attribute(n, *words)
        elif kind in "AM" and len(words) == 2:
            self._stance(n, words[1])  # a binary attribute: checked, not kept
        elif kind == "N" and len(words) == 3 and len(parts) >= 3:
            self.reference(n, words, "\t".join(parts[2:]))
        elif kind == "#" and len(words) == 2 and len(parts) >= 3:
            self._note(n, words[1], "\t".join(parts[2:]))
        else:
            raise self.fail(n, f"cannot read this line ({parts[0]!r}): only T, R, A, N and #")

    def attribute(self, n: int, name: str, tid: str, value: str) -> None:
        """A valued attribute: ours (``Polarity``) sets the polarity; any may place a label."""
        stance = self._stance(n, tid)
        if name in self.attributes[tid]:
            raise self.fail(n, f"{tid} has a second {name} attribute")
        self.attributes[tid][name] = (value, n)
        if name == ATTRIBUTE:
            stance["polarity"] = value

    def relation(self, n: int, rid: str, words: list[str]) -> None:
        args = dict(word.split(":", 1) for word in words[1:] if ":" in word)
        if set(args) != {"Arg1", "Arg2"}:
            raise self.fail(n, "an R line is 'R<n><TAB><type> Arg1:T<i> Arg2:T<j>'")
        self._new_id(n, rid, self.relations)
        self.lines[rid] = n
        ends = [args["Arg1"], args["Arg2"]]
        for tid in ends:
            self._stance(n, tid)  # checked here; the end records come in ``place``
        self.relations[rid] = {
            "id": rid, "type": self._mapped(n, words[0], self.relation_types, "relation"),
            "from": ends[0], "to": ends[1], "note": "",
        }  # fmt: skip

    def reference(self, n: int, words: list[str], name: str) -> None:
        database, _, value = words[2].partition(":")
        stance = self._stance(n, words[1])
        if database in NORMALIZATION and value:
            self.lines[f"N {words[1]}"] = n
            target = {"id": None, "name": name, "wikidata": None}
            stance["target"] = target | {NORMALIZATION[database]: value}

    def _note(self, n: int, ref: str, note: str) -> None:
        owner = self.relations.get(ref) if ref.startswith("R") else self._stance(n, ref)
        if owner is None:
            raise self.fail(n, f"{ref} is not an annotation of this file")
        owner["note"] = note


def _end(stance: Mapping) -> dict:
    return {k: stance[k] for k in ("id", "start", "end", "text", "label")}


EXPORTER = Exporter(
    name="brat",
    kind="folder",
    media_type="inode/directory",
    extension="",
    description="brat standoff (.txt + .ann per statement and owner, annotation.conf).",
    write_folder=write,
    relations=True,
)
