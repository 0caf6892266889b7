"""The exported library must be what `nbdev_export` writes from the notebooks (nobody edits clusterrep/*.py)."""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_exported_modules_match_notebooks(tmp_path):
    for name in ("settings.ini", "setup.py", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "nbs", tmp_path / "nbs")
    (tmp_path / "clusterrep").mkdir()
    shutil.copy(ROOT / "clusterrep" / "__init__.py", tmp_path / "clusterrep" / "__init__.py")
    nbdev_export = Path(sys.executable).with_name("nbdev_export")
    subprocess.run([str(nbdev_export)], cwd=tmp_path, check=True)
    fresh = {p.name: p.read_text() for p in (tmp_path / "clusterrep").glob("*.py")}
    committed = {p.name: p.read_text() for p in (ROOT / "clusterrep").glob("*.py")}
    stale = sorted(n for n in committed if n != "_modidx.py" and fresh.get(n) != committed[n])
    missing = sorted(set(fresh) - set(committed))
    assert not stale, f"modules differ from their notebooks (run nbdev_export): {stale}"
    assert not missing, f"notebooks export modules that are not in clusterrep/: {missing}"
