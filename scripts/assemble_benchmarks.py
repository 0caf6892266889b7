"""Assemble BENCHMARKS.md from the section files in benchmarks/*.md (each written by its benchmark script or experiment).

    python scripts/assemble_benchmarks.py          # rewrites BENCHMARKS.md
    python scripts/assemble_benchmarks.py --check  # exit 1 if BENCHMARKS.md is not what the sections give

Every `benchmarks/*.md` is included, so a new section only needs its file. Known sections come in the order below
(the summary first, then speed, the papers' tables, baselines, investigations); any other file follows them in
alphabetical order. A table of contents with each section's first `## ` heading opens the page.
"""
import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = [
    "summary",                                                              # results at a glance, targets by issue
    "kernels", "dtkc", "step_speed",                                        # speed against plain counterparts
    "autoencoders", "vae", "contrastive", "rbm",                            # paper 1
    "paper2", "paper2_defaults",                                            # paper 2
    "kmeans", "peers",                                                      # baselines
    "objective_search", "mismatch", "importance",                           # investigations
]
INTRO = """# Benchmarks

What the library achieves, measured: speed against each model's plain counterpart and the papers' code, the papers'
tables side by side with our numbers, and baselines. Every number was measured by a script or notebook in this
repository, side by side in one run, on the project's development machine (2 CPU cores, no GPU; the CPU model
has changed between sessions — a 2-core AMD EPYC, and from 2026-12-05 to 12-07 a 2-core Intel Xeon — so speed numbers
are ratios measured side by side) unless a section says otherwise. Each section names its
command, its machine and what it concludes; targets come from the project's issues. This page is assembled from
`benchmarks/*.md` by `python scripts/assemble_benchmarks.py`; git keeps the history of how each number was reached.
"""


def sections() -> list[Path]:
    "The section files: the known ones in ORDER, then every other benchmarks/*.md alphabetically."
    found = {p.stem: p for p in (ROOT / "benchmarks").glob("*.md")}
    return [found[n] for n in ORDER if n in found] + [found[n] for n in sorted(found) if n not in ORDER]


def slug(title: str) -> str:
    "GitHub's (and Python-Markdown's, for ASCII titles) anchor of a heading."
    title = re.sub(r"[`*_]", "", title).strip().lower()
    return re.sub(r"\s+", "-", re.sub(r"[^\w\s-]", "", title))


def render() -> str:
    bodies = [p.read_text(encoding="utf-8").strip() for p in sections()]
    toc = []
    for body in bodies:
        m = re.search(r"^## (.+)$", body, re.M)
        if m:
            toc.append(f"- [{m.group(1).strip()}](#{slug(m.group(1))})")
    return INTRO + "\n" + "\n".join(toc) + "\n\n" + "\n\n".join(bodies) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="only check that BENCHMARKS.md is up to date")
    a = ap.parse_args(argv)
    out, text = ROOT / "BENCHMARKS.md", render()
    if a.check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print("BENCHMARKS.md is out of date: run python scripts/assemble_benchmarks.py", file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
