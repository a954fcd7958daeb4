"""Compressed answers: pages and API answers go out as brotli or gzip when the client accepts.

flask-compress does the work after each request (DESIGN: a well-kept library for compression).
The annotation page is about 686 kB of HTML (every paragraph and stance as markup); brotli
at level 1 sends 56 kB of it (gzip 74 kB) for 4 % (gzip 9 %) more CPU per page; the default
levels cost 24-30 % (bench/compress_bench.py, README's Scale section), hence level 1.
Streamed answers (exports) are left alone (``COMPRESS_STREAMS`` off): compressing them would
add CPU to the biggest downloads, and they must stay streamed.
``ANNOTATOR_COMPRESS_RESPONSES=false`` turns it off, e.g. behind a proxy that compresses.
"""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress

compress = Compress()


def init_app(app: Flask) -> None:
    """Compress this app's answers unless the configuration turns it off."""
    if app.config.get("COMPRESS_RESPONSES", True):
        compress.init_app(app)
