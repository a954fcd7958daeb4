"""What compression costs per page: the annotation page with 500 stances, rendered in-process.

Builds the statement of bench/workspace_bench.py (20,000 characters, 500 stances, about
680 KB of HTML), then loads it ``--count`` times through the test client without, with gzip
and with brotli, alternating, and prints CPU ms per page and bytes sent. The target: the
compression's CPU under 15 % of the page's own time, else it should be off by default.

Usage:  python bench/compress_bench.py [--count 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workspace_bench import PASSWORD, build  # noqa: E402

ENCODINGS = ("", "gzip", "br")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='compress-')}/bench.sqlite"
    statement_id = build(url)

    from annotator import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "bench0", "password": PASSWORD, "csrf_token": token})
    path = f"/p/demo/s/{statement_id}"
    cpu = {e: [] for e in ENCODINGS}
    size = {}
    for _ in range(args.count):
        for encoding in ENCODINGS:
            start = time.process_time()
            response = client.get(path, headers={"Accept-Encoding": encoding} if encoding else {})
            cpu[encoding].append((time.process_time() - start) * 1000)
            assert response.status_code == 200
            size[encoding] = len(response.get_data())
    plain = statistics.median(cpu[""])
    print(f"{time.strftime('%Y-%m-%d')}: statement page with 500 stances, {args.count} loads each")
    for encoding in ENCODINGS:
        median = statistics.median(cpu[encoding])
        extra = 100 * (median - plain) / plain
        name = encoding or "none"
        kb = size[encoding] / 1000
        print(f"{name:>5}: {kb:7.1f} kB, CPU {median:6.1f} ms/page ({extra:+.1f} %)")


if __name__ == "__main__":
    main()
