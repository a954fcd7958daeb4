"""``import-brat``: brat standoff (``.txt`` + ``.ann`` pairs, a folder or a zip) into a project.

Each document becomes a statement (its id from the file name, as ``relations.document_name``
writes it: ``<statement>`` for gold, ``<statement>__<annotator>`` for an annotator's work),
its ``T`` lines stances, its ``R`` lines relations, ``N`` lines targets (``Registry:<key>``
or ``Wikidata:Q…`` of a registry actor) and ``#`` notes. brat types are mapped to label and
relation type keys by ``BratMapping``; the project's own keys map to themselves, so the
tool's brat export comes back without a map. All or nothing: the first problem raises
``Invalid`` naming file and line, and the caller's transaction rolls back. Stances and
relations already stored are skipped, so importing twice changes nothing.
"""

from __future__ import annotations

import json
import re
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.errors import Invalid
from annotator.exchange.relation_import import RelationImporter
from annotator.exchange.stance_import import StanceImporter, StanceImportReport
from annotator.formats import FormatError, archive, brat
from annotator.formats.brat_mapping import LabelMap
from annotator.formats.statement_readers import StatementRecord
from annotator.models import Actor, Label, Project, RelationType, Statement, User
from annotator.statements.statements import import_statements, text_sha256

_RELATION_KEY = re.compile(r"^[^\s:=]+$")


@dataclass
class BratMapping:
    """brat entity type (or ``Type:Attribute=Value``, see ``formats.brat_mapping``) -> label
    key, brat relation type -> relation type key."""

    labels: dict[str, str] = field(default_factory=dict)
    relations: dict[str, str] = field(default_factory=dict)


def read_mapping(path: Path) -> BratMapping:
    """A mapping file: TOML or JSON with tables ``labels`` and ``relations`` (brat -> ours)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"{path.name}: not a readable mapping ({exc}).") from None
    unknown = set(data) - {"labels", "relations"}
    if unknown:
        raise Invalid(f"{path.name}: only [labels] and [relations] tables, not {sorted(unknown)}.")
    tables = {}
    for name in ("labels", "relations"):
        table = data.get(name) or {}
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise Invalid(f"{path.name}: [{name}] maps brat types to key strings.")
        tables[name] = dict(table)
    mapping = BratMapping(**tables)
    check_keys(mapping, f"{path.name}: ")
    return mapping


def check_keys(mapping: BratMapping, where: str = "") -> None:
    """Invalid for a label key that is neither ``Type`` nor ``Type:Attribute=Value`` and for a
    relation key with an attribute (brat attributes sit on entities)."""
    _parse_labels(mapping.labels, where)
    _check_relation_keys(mapping, where)


def _parse_labels(labels: dict[str, str], where: str = "") -> LabelMap:
    try:
        return LabelMap.of(labels)
    except ValueError as exc:
        raise Invalid(f"{where}{exc}.") from None


def _check_relation_keys(mapping: BratMapping, where: str = "") -> None:
    for key in mapping.relations:
        if not _RELATION_KEY.match(key):
            raise Invalid(f"{where}relation type '{key}' takes no attribute; use the brat type.")


def parse_map_options(session: Session, project: Project, pairs: Iterable[str]) -> BratMapping:
    """``--map OURS=BRAT`` pairs: OURS is a label key or a relation type key of the project,
    BRAT a brat type or, for a label, ``Type:Attribute=Value`` (``support=Claim:Stance=For``)."""
    labels, types = _keys(session, project)
    mapping = BratMapping()
    for pair in pairs:
        ours, sep, theirs = (part.strip() for part in pair.partition("="))
        if not sep or not ours or not theirs:
            raise Invalid(f"--map needs OURS=BRAT, e.g. claim=Claim, got {pair!r}.")
        if ours in labels and ours in types:
            raise Invalid(f"--map {pair}: '{ours}' is both a label and a relation type.")
        if ours not in labels and ours not in types:
            raise Invalid(f"--map {pair}: '{ours}' is no label or relation type key here.")
        (mapping.labels if ours in labels else mapping.relations)[theirs] = ours
    return mapping


def _keys(session: Session, project: Project) -> tuple[set[str], set[str]]:
    labels = set(session.scalars(select(Label.key).where(Label.project_id == project.id)))
    types = set(session.scalars(
        select(RelationType.key).where(RelationType.project_id == project.id)
    ))  # fmt: skip
    return labels, types


def import_brat(
    session: Session, project: Project, source: Path, mapping: BratMapping, *,
    user: User | None = None,
) -> StanceImportReport:  # fmt: skip
    """Read a brat folder or zip into the project inside the caller's transaction.

    The label mapping is parsed once here; the three passes over the documents share it.
    """
    labels, types = _keys(session, project)
    _check_mapping(mapping, labels, types)
    label_map = _parse_labels({key: key for key in labels} | mapping.labels)
    type_map = {key: key for key in types} | mapping.relations
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = archive.unzip(source, tmp) if source.is_file() else source
            if not any(folder.glob("*.ann")):
                raise Invalid(f"{source.name}: no .ann files in it.")

            def read() -> Iterator[dict[str, Any]]:
                return brat.read_folder(folder, labels=label_map, relation_types=type_map)

            return _Loader(session, project, user).load(read)
    except FormatError as exc:
        raise Invalid(f"{exc}; nothing was imported.") from None
    except UnicodeDecodeError:
        raise Invalid(f"{source.name}: a file in it is not UTF-8; nothing was imported.") from None


def _check_mapping(mapping: BratMapping, labels: set[str], types: set[str]) -> None:
    _check_relation_keys(mapping)
    for brat_type, key in mapping.labels.items():
        if key not in labels:
            raise Invalid(f"The map sends brat type '{brat_type}' to '{key}', no label here.")
    for brat_type, key in mapping.relations.items():
        if key not in types:
            raise Invalid(f"The map sends brat type '{brat_type}' to '{key}', no relation type.")


class _Loader:
    """Statements first, then each document's stances and relations."""

    def __init__(self, session: Session, project: Project, user: User | None) -> None:
        self.session, self.project, self.user = session, project, user
        self.report = StanceImportReport()
        rows = session.execute(
            select(Actor.wikidata, Actor.key, Actor.merged_into_id)
            .where(Actor.project_id == project.id, Actor.wikidata.is_not(None))
            .order_by(Actor.merged_into_id.is_not(None), Actor.id)
        ).all()  # fmt: skip
        self.by_qid: dict[str, str] = {}
        for qid, key, _merged in rows:
            self.by_qid.setdefault(qid, key)

    def load(self, read: Callable[[], Iterator[dict[str, Any]]]) -> StanceImportReport:
        """Three passes over the documents (each read afresh, one in memory at a time):
        check the statements, create the missing ones, then stances and relations."""
        self._statements(read)
        stances = StanceImporter(self.session, self.project, "", self.user, self.report)
        linker = RelationImporter(self.session, self.project, "")
        for bundle in read():
            stances.file = linker.file = bundle["file"]
            linker.forget()
            records = [self._record(bundle, s) for s in bundle["stances"]]
            if records:
                stances.statement_group(records)
            linker.run((bundle["lines"][r["id"]], self._relation(bundle, r))
                       for r in bundle["relations"])  # fmt: skip
        self.report.relations += linker.imported
        self.report.relations_skipped += linker.skipped
        return self.report

    def _statements(self, read: Callable[[], Iterator[dict[str, Any]]]) -> None:
        """Create the statements the project lacks; a stored one must have the same text.
        Only each statement's text hash is kept between the passes."""
        seen: dict[str, str] = {}
        for bundle in read():
            statement = bundle["statement"]
            sha = text_sha256(statement["text"])
            if seen.setdefault(statement["id"], sha) != sha:
                raise FormatError("its .txt differs from another document of this statement",
                                  file=bundle["file"])  # fmt: skip
            stored = self._stored_sha(statement["id"])
            if stored is not None and stored != sha:
                raise FormatError(f"the .txt differs from stored statement '{statement['id']}'",
                                  file=bundle["file"])  # fmt: skip
        new = {i for i in seen if self._stored_sha(i) is None}

        def rows() -> Iterator[StatementRecord]:
            for bundle in read():
                external_id = bundle["statement"]["id"]
                if external_id in new:
                    new.discard(external_id)
                    yield StatementRecord(external_id=external_id, text=bundle["statement"]["text"],
                                          file=bundle["file"])  # fmt: skip

        self.report.statements = import_statements(
            self.session, self.project, rows(), user=self.user
        ).imported

    def _stored_sha(self, external_id: str) -> str | None:
        return self.session.scalar(select(Statement.text_sha256).where(
            Statement.project_id == self.project.id, Statement.external_id == external_id
        ))  # fmt: skip

    def _record(self, bundle: Mapping, stance: Mapping) -> dict[str, Any]:
        """A brat stance as a canonical record the stance importer reads."""
        record = {k: stance[k] for k in ("start", "end", "text", "label", "annotator", "scope")}
        record["statement_id"] = bundle["statement"]["id"]
        record["note"] = stance.get("note") or ""
        record["target"] = self._target(bundle, stance)
        record["_line"] = bundle["lines"][stance["id"]]
        return record

    def _target(self, bundle: Mapping, stance: Mapping) -> dict | None:
        target = stance.get("target")
        if not target:
            return None
        if target.get("id"):
            return {"id": target["id"]}
        key = self.by_qid.get(target.get("wikidata"))
        if key is None:
            line = bundle["lines"][f"N {stance['id']}"]
            message = f"no registry actor has Wikidata id {target.get('wikidata')}"
            raise FormatError(message, file=bundle["file"], line=line)
        return {"id": key}

    def _relation(self, bundle: Mapping, relation: Mapping) -> dict[str, Any]:
        keys = ("type", "from", "to", "annotator", "scope", "note")
        return {k: relation.get(k) for k in keys} | {"statement_id": bundle["statement"]["id"]}
