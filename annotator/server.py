"""``annotator serve``: gunicorn with threaded workers, each building its own app and engine."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return create_app()


def run(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn in the foreground; each worker builds its own app after fork."""
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "accesslog": None,
            "graceful_timeout": 10,
            "keepalive": 5,
        }
    ).run()
