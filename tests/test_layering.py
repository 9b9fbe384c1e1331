"""Layering: the classifier is a plain library, and the forum never imports moderation."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("flask", "forum", "werkzeug", "jinja2", "sqlalchemy", "profanity_check")


def test_classifier_imports_no_web_modules():
    code = (
        "import sys, moderation.classifier\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_classifier_sources_do_not_name_the_web_layer():
    for path in (ROOT / "moderation" / "classifier").glob("*.py"):
        text = path.read_text()
        assert "import flask" not in text.lower() and "from forum" not in text, path


def test_the_import_contracts_are_kept():
    """The forum never imports moderation, and the classifier no web module (.importlinter)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout

