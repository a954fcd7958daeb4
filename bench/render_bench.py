"""In-process cost of building the statement text and the stance list (annotation/render.py).

The benchmark statement of bench/workspace_bench.py (the demo text repeated to 20,000
characters, 500 random stances over word spans, mentions left out) is laid out once; then
``statement_text`` and ``stance_items`` are timed (median and best of 200 runs). A second
variant starts every third paragraph with an Arabic sentence, so the bidi isolation of mixed
paragraphs is measured too. Plain data only: no database, no app.

Usage:  python bench/render_bench.py [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARABIC = "قال المتحدث باسم الحكومة إن الهجوم مرفوض. "


def statement(mixed: bool) -> str:
    """20,000 characters of the demo text; ``mixed``: every third paragraph starts in Arabic."""
    demo = (ROOT / "annotator/demo/statements.jsonl").read_text(encoding="utf-8")
    paragraphs = json.loads(demo.splitlines()[0])["text"].split("\n\n")
    text, i = "", 0
    while len(text) < 20_000:
        para = paragraphs[i % len(paragraphs)]
        text += (ARABIC + para if mixed and i % 3 == 0 else para) + "\n\n"
        i += 1
    return text[:20_000].rstrip() + "."


def rows(text: str) -> list[SimpleNamespace]:
    """500 stances over random word spans, as the stance rows the page reads."""
    rnd = random.Random(7)
    spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    out = []
    for n in range(500):
        i = rnd.randrange(len(spans) - 30)
        start, end = spans[i][0], spans[i + rnd.randint(0, 25)][1]
        key = rnd.choice(["claim", "condemnation", "support"])
        out.append(SimpleNamespace(
            id=n + 1, start=start, end=end, text=text[start:end], label_key=key,
            label_name=key.title(), target_name="Iran", target_status="approved",
            holder_name=None, note="", version=1,
        ))  # fmt: skip
    out.sort(key=lambda r: (r.start, r.end, r.id))
    return out


def timed(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    from annotator.annotation.render import stance_items, statement_text
    from annotator.annotation.workspace import stance_highlights
    from annotator.text.layout import layout

    for mixed in (False, True):
        text = statement(mixed)
        stances = rows(text)
        paragraphs = layout(text, stance_highlights(stances))
        segments = sum(len(p.segments) for p in paragraphs)
        html = statement_text(paragraphs, stances, {})
        med, best = timed(partial(statement_text, paragraphs, stances, {}), args.runs)
        lmed, lbest = timed(partial(stance_items, stances, "/p/x/s/1/stances", "tok"), args.runs)
        name = "mixed Arabic/English" if mixed else "English"
        print(f"{name}: {segments} segments, {len(html):,} bytes of text HTML")
        print(f"  statement_text  median {med:.2f} ms  best {best:.2f} ms")
        print(f"  stance_items    median {lmed:.2f} ms  best {lbest:.2f} ms")


if __name__ == "__main__":
    main()
