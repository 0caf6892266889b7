"""README.md is generated from nbs/index.ipynb and opens with the two commands."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_in_sync_with_index(load_script):
    assert (ROOT / "README.md").read_text(encoding="utf-8") == load_script("scripts/sync_readme.py").render_readme()


def test_readme_opens_with_two_commands_and_ci_uses_the_test_command():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    commands = [ln.split("#")[0].strip() for ln in first_block.splitlines() if ln.split("#")[0].strip()]
    assert commands == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    # nothing but the title and summary comes before the commands
    before = text[: text.index("```bash")]
    assert [ln for ln in before.splitlines() if ln.strip() and not ln.startswith(("<!--", "#", ">"))] == []
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci
    for script in commands:
        assert (ROOT / script.split()[1]).exists()
