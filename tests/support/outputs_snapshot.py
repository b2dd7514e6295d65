"""Every output the pipeline gives on the inputs the project has, as one canonical JSON: the check
that a restructure or a speed-up changed no output.

    python tests/support/outputs_snapshot.py write before.json    # on the old code
    python tests/support/outputs_snapshot.py write after.json     # on the new code
    python tests/support/outputs_snapshot.py compare before.json after.json

The inputs: the shipped samples, every folder of research and held-out dumps, the HTML fixtures
of each site and era, the dumps of unknown sites, and the hostile corpus (tests/support/badcorpus.py).
Each is curated in its own fresh directory with default settings; the snapshot holds every
committed table's rows without the columns that differ between two clean runs.
tests/test_outputs_snapshot.py runs the comparison against the snapshot committed beside it.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(ROOT)]

FIXTURES = TESTS / "fixtures"


def corpora() -> dict[str, list[Path]]:
    """Name -> the input files of one curation."""
    out: dict[str, list[Path]] = {"samples": sorted((ROOT / "raw" / "samples").glob("*.txt"))}
    for base in ("pages", "pages-fresh", "pages-fresh2"):
        for folder in sorted(p for p in (FIXTURES / base).rglob("*") if p.is_dir()):
            files = sorted(folder.glob("*.txt"))
            if files:
                out[f"{base}/{folder.relative_to(FIXTURES / base)}"] = files
    sites = ("rferl", "jamestown", "eurasianet")
    out["html"] = sorted(p for site in sites for p in (FIXTURES / site).glob("*.html"))
    out["unknown-sites"] = sorted((FIXTURES / "dumps").glob("*.txt"))
    return out


# The hostile corpus is generated afresh each time: WARC record ids, fetch times, gzip stamps (and
# so the files' hashes) differ between two generations of the same inputs.
GENERATED = {"fetched_at", "raw_record", "sha256", "size"}
UUID = re.compile(r"urn:uuid:[0-9a-f-]{36}")
SHORT_BY = re.compile(r"byte \d+: record ends \d+ bytes short")


def _canonical(row: str) -> str:
    return SHORT_BY.sub("byte N: record ends N bytes short", UUID.sub("urn:uuid:X", row))


def _curate(raw: Path, curated: Path) -> dict[str, list[str]]:
    from pipeline.curation.driver import run_curation
    from pipeline.settings import load_settings
    from support import runkit

    run_curation(raw, curated, load_settings(config_path="/nonexistent", env={}))
    runkit.VOLATILE |= GENERATED
    return {table: sorted(_canonical(r) for r in rows) for table, rows in runkit.snapshot(curated).items()}


def take() -> dict[str, dict[str, list[str]]]:
    """Curate every corpus in a temporary directory; the snapshot of each."""
    from support import badcorpus

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, files) in enumerate(corpora().items()):
            raw = Path(tmp) / f"c{i}" / "raw"
            raw.mkdir(parents=True)
            for path in files:
                shutil.copy2(path, raw / path.name)
            out[name] = _curate(raw, raw.parent / "curated")
        hostile_raw, _ = badcorpus.build(Path(tmp) / "hostile", vanishing=False)
        out["hostile"] = _curate(hostile_raw, hostile_raw.parent / "curated")
        badcorpus.remove_deep_tree(hostile_raw)
    return out


def differences(before: dict, after: dict) -> list[str]:
    """One line per corpus and table whose rows differ."""
    lines = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name, {}), after.get(name, {})
        for table in sorted(set(a) | set(b)):
            gone = sorted(set(a.get(table, [])) - set(b.get(table, [])))
            new = sorted(set(b.get(table, [])) - set(a.get(table, [])))
            if gone or new:
                lines.append(
                    f"{name} {table}: {len(gone)} rows gone, {len(new)} new; "
                    f"first gone: {gone[:1]}; first new: {new[:1]}"
                )
    return lines


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "write":
        Path(argv[1]).write_text(json.dumps(take(), ensure_ascii=False, indent=0, sort_keys=True))
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        before, after = (json.loads(Path(p).read_text()) for p in argv[1:])
        lines = differences(before, after)
        print("\n".join(lines) or f"identical: {len(before)} corpora")
        return 1 if lines else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
