"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which is not available offline).

Markdown cells are copied as they are; code cells become ```python blocks. Run with `--check` to
exit 1 when README.md is out of date (the test suite does).
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOOTER = "\n<!-- generated from nbs/index.ipynb by scripts/sync_readme.py: edit the notebook, not this file -->\n"


def render_readme(nb_path: Path = ROOT / "nbs" / "index.ipynb") -> str:
    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        src = "".join(cell["source"]).strip()
        if not src or src.startswith("#| hide"):
            continue
        parts.append(src if cell["cell_type"] == "markdown" else f"```python\n{src}\n```")
    return "\n\n".join(parts) + "\n" + FOOTER


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text, readme = render_readme(), ROOT / "README.md"
    if "--check" in argv:
        if not readme.exists() or readme.read_text(encoding="utf-8") != text:
            print("README.md is out of date: run python scripts/sync_readme.py", file=sys.stderr)
            return 1
        return 0
    readme.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
