"""The dataset card (README.md) of the ``hf`` export: YAML front matter, then Markdown."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from annotator.formats import Counts, ExportContext


class RelationCounts:
    """Relations per split and per type (with its AIF kind), for the card's section."""

    def __init__(self) -> None:
        self.by_type: dict[str, dict[str, int]] = {}
        self.kinds: dict[str, str] = {}

    def add(self, split: str, relations: Iterable[Mapping[str, Any]]) -> None:
        """Count one statement's relations into its split."""
        for relation in relations:
            counts = self.by_type.setdefault(relation["type"], {})
            counts[split] = counts.get(split, 0) + 1
            self.kinds.setdefault(relation["type"], relation.get("aif") or "")


FIELDS_DOC = """\
| field | meaning |
|---|---|
| `project` | project slug |
| `statement_id`, `statement_title`, `statement_date`, `organization` | the statement |
| `start`, `end` | span offsets into the statement text |
| `text` | the covered text, `statement_text[start:end]` |
| `label` | label key (see Labels) |
| `polarity` | polarity of the stance, or null |
| `target`, `holder` | actor `{id, name, type, wikidata}` (see Actors), or null |
| `annotator` | username (null in gold scope) |
| `scope` | `gold` (adjudicated) or `annotator` |
| {values}, `created_at`, `updated_at` | annotation metadata |
| `votes`, `source_annotators` | gold only: agreeing annotators and who they were |
| `id` | stable stance id (same in every export of the same work) |
| `relations` | the argument relations going out from this stance (see Relations) |
"""


def fields_doc(ctx: ExportContext) -> str:
    """The record fields table, with the stance's own values the export carries."""
    return FIELDS_DOC.replace("{values}", ", ".join(f"`{name}`" for name in ctx.stance_values))


def cell(value: Any) -> str:
    """A value that stays inside one Markdown table cell."""
    return " ".join(str("" if value is None else value).split()).replace("|", "\\|")


def row(values: Iterable[Any]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(cell(v) for v in values) + " |\n"


def front_matter(ctx: ExportContext, splits: Sequence[str], languages: Sequence[str]) -> str:
    """YAML header the Hub reads; scalars are JSON strings, which YAML accepts as is."""
    lines = ["---", f"license: {json.dumps(ctx.options.get('licence') or 'unknown')}"]
    lines.append(f"pretty_name: {json.dumps(ctx.project_name, ensure_ascii=False)}")
    if languages:
        lines += ["language:", *(f"- {json.dumps(lang)}" for lang in languages)]
    lines += ["task_categories:", "- token-classification", "- text-classification"]
    lines += ["tags:", "- stance-detection", "- political-statements"]
    lines += ["configs:", "- config_name: default", "  data_files:"]
    for split in splits:
        lines += [f"  - split: {split}", f"    path: {split}.jsonl"]
    return "\n".join([*lines, "---", ""]) + "\n"


def write_card(
    out: TextIO, ctx: ExportContext, per_split: Mapping[str, Counts], languages: Sequence[str],
    relations: RelationCounts | None = None,
) -> None:  # fmt: skip
    """The whole card; the actor table streams from ``ctx.actors()``."""
    splits = [s for s, c in per_split.items() if c.records]
    out.write(front_matter(ctx, splits, languages))
    out.write(f"# {ctx.project_name}\n\n")
    out.write(
        f"Stance annotations exported from project `{ctx.project_slug}` by stance-annotator "
        f"{ctx.tool_version} at {ctx.exported_at}; scope `{ctx.scope}`, "
        f"{_guidelines(ctx.guidelines_version)}.\n\n"
    )
    write_data_section(out, ctx, per_split)
    write_label_section(out, ctx, per_split)
    write_relation_section(out, per_split, relations or RelationCounts())
    write_actor_section(out, ctx)
    out.write(f"## Licence\n\n{cell(ctx.options.get('licence') or 'unknown')}\n")


def _guidelines(version: int | None) -> str:
    """Name the guidelines version in force, or say plainly that the project has none."""
    return f"guidelines version {version}" if version is not None else "no guidelines written"


def write_data_section(out: TextIO, ctx: ExportContext, per_split: Mapping[str, Counts]) -> None:
    """Record fields, offset unit and split sizes."""
    out.write("## Data\n\nOne stance per line (JSON Lines).\n\n" + fields_doc(ctx) + "\n")
    out.write(
        "Offsets count **Unicode code points**, end-exclusive, in the statement text as "
        "stored (line endings normalised to `\\n`): in Python `statement_text[start:end]` "
        "is the span. JavaScript and other UTF-16 tools must convert. Full statement texts "
        "are in the tool's `statements-jsonl` export.\n\n"
    )
    ratios = ctx.options.get("split_ratios") or "train 0.8, validation 0.1, test 0.1"
    out.write(
        f"Splits are by statement (seeded hash of the statement id, seed "
        f"{ctx.options.get('split_seed', 0)}, ratios {ratios}), so a statement's stances "
        "never straddle splits.\n\n"
    )
    out.write(row(("split", "statements", "stances")) + "|---|---|---|\n")
    for split, counts in per_split.items():
        out.write(row((split, counts.statements, counts.records)))
    out.write("\n")


def write_label_section(out: TextIO, ctx: ExportContext, per_split: Mapping[str, Counts]) -> None:
    """Label definitions and per-label counts."""
    out.write("## Labels\n\n" + row(("key", "name", "SemEval", "definition", "example")))
    out.write("|---|---|---|---|---|\n")
    for label in ctx.labels:
        keys = ("key", "name", "semeval", "definition", "example")
        out.write(row(label.get(k) for k in keys))
    out.write("\n" + row(("label", *per_split, "total")))
    out.write("|---" * (len(per_split) + 2) + "|\n")
    keys = [label["key"] for label in ctx.labels]
    keys += sorted({k for c in per_split.values() for k in c.by_label} - set(keys))
    for key in keys:
        numbers = [c.by_label.get(key, 0) for c in per_split.values()]
        out.write(row((key, *numbers, sum(numbers))))
    out.write("\n")


def write_relation_section(
    out: TextIO, per_split: Mapping[str, Counts], relations: RelationCounts
) -> None:
    """The argument relations: how a record lists them, and their types with counts."""
    out.write(
        "## Relations\n\nArgument relations link two stances of the same statement and "
        "annotator (or both gold). Each record's `relations` lists those going out from it: "
        "`{id, type, to, note}`, where `to` is the `id` of the stance it supports or attacks "
        "(always in the same split). The AIF kind says whether a type is a support (RA) or an "
        "attack (CA).\n\n"
    )
    out.write(row(("type", "AIF", *per_split, "total")))
    out.write("|---" * (len(per_split) + 3) + "|\n")
    for key, counts in sorted(relations.by_type.items()):
        numbers = [counts.get(split, 0) for split in per_split]
        out.write(row((key, relations.kinds.get(key), *numbers, sum(numbers))))
    out.write("\n")


def write_actor_section(out: TextIO, ctx: ExportContext) -> None:
    """The actor registry that `target.id` and `holder.id` point at."""
    out.write("## Actors\n\nEvery `target.id` and `holder.id` is a key of this registry.\n\n")
    out.write(row(("id", "name", "type", "Wikidata", "aliases")) + "|---|---|---|---|---|\n")
    for actor in ctx.actors():
        aliases = ", ".join(actor.get("aliases") or ())
        values = (actor["id"], actor["name"], actor.get("type"), actor.get("wikidata"), aliases)
        out.write(row(values))
    out.write("\n")
