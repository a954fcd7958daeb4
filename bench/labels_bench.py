"""The Labels page's counts on the yardstick project: counting every stance, or the counters.

The page lists each label with its live annotator stances, its live gold stances and whether
any stance ever used it. ``baseline`` is the query it made before (every stance of the
project's labels, grouped per label, on every request); ``list_label_rows`` now reads the
stored counters (``stance_counts``), counts gold stances in their partial index
(``ix_stances_live_gold_label``, migration 0019) and probes each label once. Builds (or
reuses) the project of ``scale.py`` in a SQLite file, upgrades it to the newest schema,
checks both give the same figures, then times them alternating in rounds.

Usage:  python bench/labels_bench.py [--db /tmp/x/scale.sqlite3] [--scale 0.1] [--rounds 20]
Figures are CPU milliseconds of the process (SQLite runs in it), median over rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402


def baseline(session, project) -> dict[int, tuple[int, int, bool]]:
    """The figures as the page counted them before: every stance of the project's labels."""
    from sqlalchemy import func, select

    from annotator.models import Label, Stance

    live = Stance.deleted_at.is_(None)
    rows = session.execute(
        select(
            Stance.label_id,
            func.count().filter(live, Stance.is_gold.is_(False)),
            func.count().filter(live, Stance.is_gold.is_(True)),
        )
        .join(Label, Label.id == Stance.label_id)
        .where(Label.project_id == project.id)
        .group_by(Stance.label_id)
    ).all()
    counts = {label_id: (own, gold, True) for label_id, own, gold in rows}
    labels = session.scalars(select(Label.id).where(Label.project_id == project.id))
    return {lid: counts.get(lid, (0, 0, False)) for lid in labels}


def current(session, project) -> dict[int, tuple[int, int, bool]]:
    from annotator.projects.labels import list_label_rows

    rows = list_label_rows(session, project)
    return {r.label.id: (r.stances, r.gold, r.ever_used) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/labels-bench/scale.sqlite3")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    app = scale.scale_app(Path(args.db), args.scale)
    from sqlalchemy import func, select

    from annotator.extensions import db
    from annotator.models import Project, Stance

    with app.app_context():
        session = db.session
        project = session.scalars(select(Project).where(Project.slug == "scale")).one()
        stances = session.scalar(select(func.count()).select_from(Stance))
        assert baseline(session, project) == current(session, project)
        cases = {"before": baseline, "after": current}
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, fn in cases.items():
                times[name].append(scale.cpu_ms(lambda fn=fn: fn(session, project)))
                session.rollback()
    load = os.getloadavg()[0]
    print(f"{time.strftime('%Y-%m-%d %H:%M')} UTC, load average {load:.1f}, {stances} stances")
    for name, ms in times.items():
        print(f"{name}: median {statistics.median(ms):.1f} ms CPU (min {min(ms):.1f})")


if __name__ == "__main__":
    main()
