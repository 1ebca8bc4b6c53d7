"""Benchmark: the import against a bare read in instructions, not seconds (issue 13).

Wall time on a shared host drifts more than a change to the import moves it (bench/README.md,
"Session 9"). valgrind's callgrind counts the instructions a process executes, every thread's,
whatever else the machine runs: the same code on the same file gives the same count. This runs
each side under callgrind with instrumentation off while it starts (Django, a fresh SQLite
database, the schools), switches it on for the measured part only — python-calamine reading
every cell (1.), or ``import_run`` end to end (2.) — and prints both counts and their ratio:

    .venv/bin/python bench/import_instructions.py --rows 5000

A count says how much work is done, not how long the officer waits: the import spreads its work
over threads on two cores (bench/import_bench.py measures that). Under callgrind a program runs
about 50× slower; 5,000 rows take two minutes.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measured(mode: str, path: Path, flags: Path) -> None:
    """The child: set up, say ready, wait for go, do the part measured, say done."""
    sys.path.insert(0, str(HERE))
    import import_bench as b

    user = None
    if mode == "import":
        b.setup_django(None)
        from django.conf import settings

        from backend.models import User
        from core.roles import Role

        b.seed_schools(b.plan_schools(int(os.environ.get("BENCH_SCHOOLS", "200"))))
        user = User.objects.create(username="bench", role=Role.CITY_HR, can_view_identity=True)
        settings.DEBUG = False
        # the modules the import runs, loaded before the measured part as a server has them (with
        # PYTHONDONTWRITEBYTECODE set, loading them inside it compiled 26 modules: 15 % of the count)
        import imports.services  # noqa: F401
    import python_calamine  # noqa: F401  (loaded before the measured part, as the import has it)

    (flags / "ready").touch()
    while not (flags / "go").exists():
        time.sleep(0.05)
    if mode == "bare":
        b.bare_read(path)
    else:
        assert b.our_import(path, user)[2].committed
    (flags / "done").touch()
    while (flags / "done").exists():
        time.sleep(0.05)


def count(mode: str, path: Path, keep: Path | None = None) -> int:
    """Instructions of ``mode``'s measured part, from callgrind (its output copied to ``keep``)."""
    with tempfile.TemporaryDirectory(prefix="import_instructions_") as folder:
        flags = Path(folder)
        log = flags / "valgrind.log"
        child = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={flags / 'out'}",
             f"--log-file={log}", sys.executable, __file__, "--child", mode, str(path), str(flags)])
        try:
            while not (flags / "ready").exists():
                if child.poll() is not None:
                    raise SystemExit(f"the {mode} side stopped before its measured part: see {log}")
                time.sleep(0.2)
            subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], check=True, capture_output=True)
            (flags / "go").touch()
            while not (flags / "done").exists():
                time.sleep(0.2)
            subprocess.run(["callgrind_control", "-i", "off", str(child.pid)], check=True, capture_output=True)
            (flags / "done").unlink()
            child.wait()
        finally:
            if child.poll() is None:
                child.kill()
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            for out in flags.glob("out*"):
                shutil.copy(out, keep / f"callgrind.{mode}{out.name[3:]}")
        found = re.search(r"Collected : (\d+)", log.read_text())
        if not found:
            raise SystemExit(f"no count in {log}")
        return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--file", metavar="XLSX", help="this roster instead of the generated one (its schools must be the bench's)")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="keep callgrind's output here (callgrind.bare, callgrind.import) for callgrind_annotate")
    args = parser.parse_args()
    os.environ["BENCH_SCHOOLS"] = str(args.schools)
    path = Path(args.file) if args.file else Path(tempfile.gettempdir()) / f"import_bench_roster_v2_{args.rows}_{args.schools}.xlsx"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "import_bench.py"), "--rows", str(args.rows), "--schools",
                        str(args.schools), "--skip-iexport", "--texts", "inline", "--first-only"],
                       check=True, capture_output=True)
    bare = count("bare", path, args.keep)
    ours = count("import", path, args.keep)
    print(f"file: {path.name} ({args.rows:,} rows)")
    print(f"1. bare read (python-calamine)  {bare / 1e9:8.3f} G instructions")
    print(f"2. our import, end to end       {ours / 1e9:8.3f} G instructions (every thread)")
    print(f"   ratio {ours / bare:.3f}×")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        measured(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
