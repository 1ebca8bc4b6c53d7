"""Apps depend one way (STYLE.md): personnel may import workforce, training, imports and backend;
none of them imports personnel."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMPORT = re.compile(r"^\s*(?:from|import)\s+personnel\b", re.M)


def test_no_other_app_imports_personnel():
    offenders = [str(path.relative_to(ROOT)) for app in ("core", "backend", "workforce", "training", "imports")
                 for path in (ROOT / app).rglob("*.py") if IMPORT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
