"""Count the CPU instructions of one export with callgrind: exact and repeatable, so two trees
can be compared on a shared machine where wall and CPU times wander by a third.

Run from the repository root: ``python bench/callgrind_export.py DB FORMAT`` with a database
of ``relation_export_bench.py --keep DIR`` (20,000 stances take about a minute under
valgrind). Prints the instructions of ``write_export`` alone (scope all, to the null
device): the app's start-up runs uninstrumented, and a three-line C helper over
``valgrind/callgrind.h`` (Debian's ``valgrind`` package; compiled with ``cc`` into a
temporary folder) switches instrumentation on and off around the export.
Needs ``valgrind`` and a C compiler; set ``PYTHONPATH`` to the tree to measure.
"""

from __future__ import annotations

import ctypes
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HELPER = """#include <valgrind/callgrind.h>
void start(void) { CALLGRIND_START_INSTRUMENTATION; }
void stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""


def main() -> None:
    db, format_name = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "helper.c").write_text(HELPER)
        helper = Path(tmp) / "helper.so"
        subprocess.run(["cc", "-O1", "-shared", "-fPIC", "-o", str(helper),
                        str(Path(tmp) / "helper.c")], check=True)  # fmt: skip
        cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
               f"--callgrind-out-file={tmp}/callgrind.out", sys.executable, __file__,
               "--inside", db, format_name, str(helper)]  # fmt: skip
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    print(f"{format_name}: {int(found.group(1)):,} instructions ({done.stdout.strip()})")


def inside(db: str, format_name: str, helper: str) -> None:
    """The export under valgrind, instrumented alone."""
    from annotator import create_app
    from annotator.exchange.export import ExportRequest, write_export
    from annotator.extensions import db as database
    from annotator.projects.projects import get_project

    toggle = ctypes.CDLL(helper)
    app = create_app({"DATABASE_URL": f"sqlite:///{db}", "SECRET_KEY": "bench"})
    with app.app_context(), database.factory() as session, open(os.devnull, "w") as out:
        project = get_project(session, "bench")
        toggle.start()
        counts, _ = write_export(session, project, ExportRequest(format_name, "all"), out)
        toggle.stop()
    print(f"{counts.records:,} records")


if __name__ == "__main__":
    if sys.argv[1] == "--inside":
        inside(*sys.argv[2:5])
    else:
        main()
