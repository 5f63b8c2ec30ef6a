"""Guards for the project layout traps (STACK-NOTES §3)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_site_and_locale_are_not_packages():
    assert not (ROOT / "site" / "__init__.py").exists()
    assert not (ROOT / "locale" / "__init__.py").exists()


def test_translations_are_compiled():
    po = ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1


@pytest.mark.django_db
def test_no_missing_migrations():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
