"""Execute every notebook in nbs/ with papermill (each with its default, `quick`, parameters).

A notebook's own cells hold its tests (`test_eq`, `test_close`, `assert`), so a failing check
fails the notebook run. pytest's `--durations=0` prints each notebook's run time. The kernel is not named
here: papermill reads it from the notebook, exactly as for the README's `papermill NOTEBOOK out.ipynb -p ...`.
"""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if not p.name.startswith("_"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(nb, tmp_path):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / nb.name
    papermill.execute_notebook(
        str(nb), str(out), cwd=str(nb.parent), progress_bar=False, log_output=False,
    )
    assert out.exists()


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_names_its_kernel_and_language(nb):
    "papermill's command line needs both from the notebook (nbdev_clean keeps `kernelspec`)."
    utils = pytest.importorskip("papermill.utils")
    import nbformat
    notebook = nbformat.read(str(nb), as_version=4)
    assert utils.nb_kernel_name(notebook) == "python3", json.dumps(notebook.metadata)
    assert utils.nb_language(notebook) == "python", json.dumps(notebook.metadata)
