"""What the agreement page shows: readable rows built from the report, ready for the template.

Kept apart from ``views`` so the page's wording (names, definitions, bands, intervals, item
counts with their plurals) is built and tested without a request.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.agreement import relations, stances
from annotator.agreement.reading import READINGS, band, plural


@dataclass(frozen=True)
class Cell:
    """One figure as shown: value, band, interval and what it rests on."""

    value: str
    band: str = ""
    interval: str = ""
    items: str = ""
    negative: bool = False


@dataclass(frozen=True)
class Row:
    """One figure across the columns (all, then each label or relation type)."""

    metric: str
    name: str
    definition: str
    cells: list[Cell]


@dataclass(frozen=True)
class Table:
    """A figures table: rows of figures, one column for the whole and one per label or type."""

    columns: list[str]
    rows: list[Row]


def number(value: float | None) -> str:
    """A figure to three decimals, or an em dash when it cannot be computed."""
    return "—" if value is None else f"{value:.3f}"


def cell(metric: str, figures: dict, bounds: dict, sizes: dict | None) -> Cell:
    """A figure, its band, its interval (when computed) and its item count (when known)."""
    value = figures.get(metric)
    interval = bounds.get(metric)
    n = (sizes or {}).get(metric)
    return Cell(
        value=number(value),
        band=band(metric, value),
        interval=f"{interval[0]:.2f} – {interval[1]:.2f}" if interval else "",
        items=plural(n, READINGS[metric].counts) if n is not None else "",
        negative=value is not None and value < 0,
    )


def figures_table(result: dict, metrics, section: str, bounds: dict, sizes: dict) -> Table:
    """Rows of figures: the project column, then one per label (or relation type).

    sizes: {"project": {metric: n}, name: {metric: n}} (what each figure rests on).
    """
    parts = [("All", result, bounds.get("project", {}), sizes.get("project"))]
    parts += [
        (k, f, bounds.get(section, {}).get(k, {}), sizes.get(k)) for k, f in result[section].items()
    ]
    rows = [
        Row(m, READINGS[m].name, READINGS[m].definition, [cell(m, *p[1:]) for p in parts])
        for m in metrics
    ]
    return Table([p[0] for p in parts], rows)


def relation_sizes(figures: dict) -> dict[str, int]:
    """What each relation figure rests on: relations compared, or pairs both annotators linked."""
    if "n_relations" not in figures:
        return {}
    n, linked = figures["n_relations"], figures.get("n_type_items")
    sizes = {m: n for m in relations.METRICS if m.endswith(("exact", "overlap"))}
    return sizes | ({} if linked is None else {"type_kappa": linked, "type_alpha": linked})


def page_values(report: dict) -> dict:
    """Everything the template needs beyond the project: tables, summary line, notes."""
    rel = report["relations"]
    rel_sizes = {"n_relations": rel["n_relations"]}
    rel_sizes["n_type_items"] = sum(p["n_type_items"] for p in rel["pairs"])
    return {
        "summary": ", ".join(
            [
                plural(report["n_statements"], "statement"),
                plural(report["n_stances"], "stance"),
                plural(rel["n_relations"], "relation"),
            ]
        ),
        "stance_table": figures_table(
            report,
            stances.METRICS,
            "per_label",
            _bounds(report),
            {"project": report.get("n_items")} | report.get("n_items_per_label", {}),
        ),
        "relation_table": figures_table(
            rel, relations.METRICS, "per_type", _bounds(rel), {"project": relation_sizes(rel_sizes)}
        ),
        "resamples": report.get("resamples"),
    }


def _bounds(result: dict) -> dict:
    return result.get("intervals") or {}
