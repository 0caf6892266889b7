"""Assemble BENCHMARKS.md from the section files in benchmarks/ (each written by its benchmark script or experiment)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["summary", "kmeans", "kernels", "autoencoders", "dtkc", "paper2"]
INTRO = """# Benchmarks

Every number here was measured by a script or notebook in this repository, side by side in one run,
on the project's development machine (2 CPU cores, no GPU) unless a section says otherwise. That
machine was a 2-core AMD EPYC 7001 (Zen 1) until 2026-11-25 and is a 2-core Intel Xeon with AVX-512 and AMX
from 2026-12-05; sections measured on the Intel host say so, and speed ratios differ between the two. Each
section names the command that reproduces it. Targets come from the project's issues; where a target
is not reached the section says so with the measured number. The sections live in `benchmarks/*.md`
and this file is assembled by `python scripts/assemble_benchmarks.py`.
"""


def main() -> None:
    sections = [ROOT / "benchmarks" / f"{name}.md" for name in ORDER]
    sections += sorted(p for p in (ROOT / "benchmarks").glob("*.md") if p not in sections)
    body = [p.read_text(encoding="utf-8").strip() for p in sections if p.exists()]
    (ROOT / "BENCHMARKS.md").write_text(INTRO + "\n" + "\n\n".join(body) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
