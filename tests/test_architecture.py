"""The layer rules of docs/architecture.md hold: import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_import_linter_contracts_are_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout


def test_nothing_loose_under_the_package_root():
    allowed = {"__init__.py", "config.py", "errors.py", "roles.py", "extensions.py", "models.py"}
    loose = {p.name for p in (ROOT / "annotator").glob("*.py")} - allowed
    assert not loose, f"modules belong in a feature or layer package: {sorted(loose)}"
