"""Faults a new user hits, table-driven: offline or unreachable downloads, a `.sha256` beside the data, bad loader
options, a bad output folder or a full disk for the command line and for checkpoints, bad seeds, options and devices.

Each case must end in a clear error (what is wrong, and where) with nothing half-written left behind. No network is
used: downloads go through a patched `urllib.request.urlopen` that fails as an offline or unreachable server does;
a full disk is a patched `os.fdopen` whose files raise `OSError(ENOSPC)` on write (as a real full disk does when
the data reach it), since a tiny tmpfs cannot be mounted here; a read-only folder is a patched `tempfile.mkstemp`
raising `EROFS` (the tests may run as root, for whom `chmod` does not make a folder read-only).
"""
import contextlib
import errno
import io
import json
import os
import socket
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch

from clusterrep import cli, data

# --- helpers ---------------------------------------------------------------------------------------------------


def offline(error):
    "A urlopen that fails with `error` (the way an unplugged machine or a dead server fails)."
    def urlopen(url, *args, **kwargs):
        raise error
    return urlopen


OFFLINE_ERRORS = {
    "offline": urllib.error.URLError(OSError(errno.ENETUNREACH, "Network is unreachable")),
    "no-dns": urllib.error.URLError(socket.gaierror(-2, "Name or service not known")),
    "timeout": TimeoutError("timed out"),
    "http-503": urllib.error.HTTPError("http://x", 503, "Service Unavailable", {}, None),
}


class FullDiskFile(io.RawIOBase):
    "A writable file on a full disk: every write fails with ENOSPC."
    def __init__(self, inner):
        self.inner = inner

    def writable(self):
        return True

    def write(self, b):
        raise OSError(errno.ENOSPC, "No space left on device")

    def fileno(self):
        return self.inner.fileno()

    def close(self):
        self.inner.close()
        super().close()


@contextlib.contextmanager
def full_disk():
    "Files opened for writing through os.fdopen (atomic writes, checkpoints, CLI results) hit a full disk."
    real = os.fdopen

    def fdopen(fd, mode="r", *args, **kwargs):
        f = real(fd, mode, *args, **kwargs)
        return FullDiskFile(f) if any(c in mode for c in "wax+") else f
    os.fdopen = fdopen
    try:
        yield
    finally:
        os.fdopen = real


def files_under(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


# --- loaders: offline / unreachable ----------------------------------------------------------------------------

# dataset -> (the file read first, the URLs tried for it)
DOWNLOADS = {
    name: (rel, [data.CONVERSIONS[rel].raw[next(iter(data.CONVERSIONS[rel].raw))][0]])
    for name in ["usps", "coil100", "character_trajectories", "spoken_arabic_digits"]
    for rel in [data.dataset_info(name)["files"][0]]
}
DOWNLOADS["mnist"] = ("mnist/train-labels-idx1-ubyte.gz", data.URLS["mnist/train-labels-idx1-ubyte.gz"])
DOWNLOADS["fashion_mnist"] = ("fashion-mnist/train-labels-idx1-ubyte.gz",
                              data.URLS["fashion-mnist/train-labels-idx1-ubyte.gz"])


@pytest.mark.parametrize("how", list(OFFLINE_ERRORS))
@pytest.mark.parametrize("name", list(DOWNLOADS))
def test_download_failure_names_file_urls_and_data_dir(name, how, monkeypatch, tmp_path):
    monkeypatch.setattr(urllib.request, "urlopen", offline(OFFLINE_ERRORS[how]))
    root = tmp_path / "data"
    with pytest.raises(ConnectionError) as err:
        data.load_dataset(name, data_dir=root)
    rel, urls = DOWNLOADS[name]
    msg = str(err.value)
    for part in [Path(rel).parent.name, *urls, str(root), "data_dir argument", "CLUSTERREP_DATA"]:
        assert part in msg, (part, msg)
    assert files_under(tmp_path) == []  # no empty raw/<name>/ folder, not even the data directory


def test_download_failure_says_the_data_dir_came_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setattr(urllib.request, "urlopen", offline(OFFLINE_ERRORS["offline"]))
    monkeypatch.setenv("CLUSTERREP_DATA", str(tmp_path / "env"))
    (tmp_path / "env").mkdir()
    with pytest.raises(ConnectionError, match=r"from \$CLUSTERREP_DATA"):
        data.load_dataset("usps")
    assert files_under(tmp_path) == ["env"]  # the folder that existed stays, nothing inside it


def test_download_false_names_the_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="download=False.*CLUSTERREP_DATA"):
        data.load_dataset("coil100", data_dir=tmp_path / "none", download=False)
    assert files_under(tmp_path) == []


# --- a .sha256 beside the data never overrides a pinned hash ---------------------------------------------------

@pytest.mark.parametrize("rel", [r for r in data.SHA256 if r.endswith(".npz")] + ["mnist/t10k-labels-idx1-ubyte.gz"])
def test_sidecar_never_overrides_the_pinned_hash(rel, tmp_path):
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not the data")
    Path(f"{path}.sha256").write_text(data.sha256sum(path) + f"  {path.name}\n")
    with pytest.raises(data.ChecksumError, match="not used: .* has a pinned hash"):
        data.fetch_file(rel, tmp_path, download=False)


# --- loader options --------------------------------------------------------------------------------------------

OPTION_CASES = [
    ("usps", dict(classes=[]), ValueError, "classes is empty"),
    ("usps", dict(classes="3"), TypeError, "classes must be a list of integer labels"),
    ("usps", dict(classes=["3"]), TypeError, "classes must hold integer labels, got '3'"),
    ("usps", dict(classes=[0.5]), TypeError, "got 0.5"),
    ("usps", dict(classes=[True]), TypeError, "got True"),
    ("usps", dict(n_per_class="a"), TypeError, "n_per_class must be an integer >= 1"),
    ("usps", dict(n_per_class=2.7), TypeError, "got 2.7"),
    ("usps", dict(n_per_class=0), ValueError, "got 0"),
    ("usps", dict(n_per_class=-3), ValueError, "got -3"),
    ("usps", dict(flat="no"), TypeError, "flat must be True or False, got 'no'"),
    ("usps", dict(scale="no"), TypeError, "scale must be True or False"),
    ("usps", dict(split="val"), ValueError, "split must be one of"),
    ("mnist", dict(classes="0"), TypeError, "classes must be a list"),
    ("fashion_mnist", dict(flat=1), TypeError, "flat must be True or False"),
    ("coil100", dict(n_per_class=1.0), TypeError, "n_per_class must be an integer"),
    ("character_trajectories", dict(first_10="yes"), TypeError, "first_10 must be True or False"),
    ("spoken_arabic_digits", dict(trim_rest="no"), TypeError, "trim_rest must be True or False"),
    ("spoken_arabic_digits", dict(classes=[]), ValueError, "classes is empty"),
    ("triangle", dict(n_samples="a"), TypeError, "n_samples must be an integer"),
    ("triangle", dict(dummy_dims=-1), ValueError, "dummy_dims must be an integer >= 0"),
    ("iris", dict(flat=True), TypeError, "unknown option(s) ['flat']"),
    ("iris", dict(scale="min"), ValueError, "scale must be"),
]


@pytest.mark.parametrize("name, options, exc, message", OPTION_CASES,
                         ids=[f"{n}-{'-'.join(map(str, o))}-{i}" for i, (n, o, _, _) in enumerate(OPTION_CASES)])
def test_bad_loader_option(name, options, exc, message, tmp_path):
    "Checked before any file is read: an empty data directory with download=False still gives the option error."
    with pytest.raises(exc) as err:
        data.load_dataset(name, data_dir=tmp_path, download=False, **options)
    assert message in str(err.value)


def test_good_options_still_work():
    ds = data.load_dataset("usps", classes=[3, 5], n_per_class=4, flat=True)
    assert ds.X.shape == (8, 256) and sorted(set(ds.y.tolist())) == [3, 5]
    assert len(data.load_dataset("usps", classes=np.int64(3), n_per_class=np.int64(2))) == 2
    assert len(data.load_dataset("usps", classes=range(2), n_per_class=1)) == 2


# --- the command line ------------------------------------------------------------------------------------------

def run_cli(*argv):
    "Run cli.main(argv) in-process; (exit code, stdout, stderr)."
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main([str(a) for a in argv])
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


def _read_only(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")
    monkeypatch.setattr(tempfile, "mkstemp", refuse)


# name -> (setup(tmp_path, monkeypatch) -> the --out folder, context of the run, exit code, stderr fragment, fitted?)
CLI_OUT_CASES = {
    "out-is-a-file": (lambda t, m: (t / "f").write_text("x") and t / "f", contextlib.nullcontext, 2,
                      "is a file, not a folder", False),
    "parent-is-a-file": (lambda t, m: (t / "f").write_text("x") and t / "f" / "run", contextlib.nullcontext, 2,
                         "is a file, not a folder", False),
    "grandparent-is-a-file": (lambda t, m: (t / "f").write_text("x") and t / "f" / "a" / "b", contextlib.nullcontext,
                              2, "is a file, not a folder", False),
    "read-only": (lambda t, m: _read_only(m) or t / "ro" / "run", contextlib.nullcontext, 2,
                  "the file system is read-only", False),
    "full-disk": (lambda t, m: t / "full" / "run", full_disk, 1, "the disk is full", True),
}


@pytest.mark.parametrize("case", list(CLI_OUT_CASES))
def test_cli_output_folder_faults(case, tmp_path, monkeypatch):
    setup, context, code_expected, message, fitted = CLI_OUT_CASES[case]
    out_dir = setup(tmp_path, monkeypatch)
    before = files_under(tmp_path)
    with context():
        code, out, err = run_cli("fit", "kmeans", "iris", "--out", out_dir)
    assert code == code_expected, (code, out, err)
    assert message in err and "Traceback" not in err, err
    assert ("ACC" in out) == fitted  # refused before fitting, or the metrics are printed when only the write fails
    assert files_under(tmp_path) == before  # no new folder, no temporary or half-written file


def test_cli_free_space_checked_before_fitting(tmp_path, monkeypatch):
    import shutil
    from types import SimpleNamespace
    monkeypatch.setattr(shutil, "disk_usage", lambda p: SimpleNamespace(total=10**9, used=10**9 - 100, free=100))
    code, out, err = run_cli("fit", "kmeans", "iris", "--out", tmp_path / "run")
    assert code == 2 and "is full: 100 bytes free" in err and "ACC" not in out, err
    assert files_under(tmp_path) == []


def test_cli_full_disk_keeps_the_previous_results(tmp_path):
    out_dir = tmp_path / "run"
    assert run_cli("fit", "kmeans", "iris", "--out", out_dir)[0] == 0
    before = {p: (out_dir / p).read_text() for p in ("labels.json", "metrics.json")}
    with full_disk():
        code, out, err = run_cli("fit", "kmeans", "iris", "--out", out_dir)
    assert code == 1 and "the disk is full" in err
    assert {p: (out_dir / p).read_text() for p in before} == before
    assert files_under(tmp_path) == ["run", "run/labels.json", "run/metrics.json"]


CLI_ARG_CASES = [
    (["--seed", "-1"], "argument --seed: the seed must be an integer from 0 to 4294967295, got -1"),
    (["--seed", str(2**32)], "argument --seed"),
    (["--seed", "1.5"], "argument --seed"),
    (["--n-clusters", "0"], "argument --n-clusters: must be an integer >= 1"),
    (["--n-init", "-2"], "argument --n-init"),
    (["--option", "hidden=(2,"], "option 'hidden=(2,': the value '(2,' is not a valid Python literal"),
    (["--option", "hidden=[2, 3"], "not a valid Python literal"),
    (["--option", "lr"], "key=value"),
    (["--data-option", "classes=(0,"], "option 'classes=(0,'"),
    (["--option", "device='bogus'"], "--option device: device 'bogus' is not a device name; this machine has 'cpu'"),
    (["--option", "device=3"], "device must be a string"),
    (["--option", "verbose=True"], "use --progress / --no-progress"),
    (["--option", "random_state=3"], "use --seed"),
]


@pytest.mark.parametrize("argv, message", CLI_ARG_CASES, ids=[" ".join(a) for a, _ in CLI_ARG_CASES])
def test_cli_bad_arguments(argv, message, tmp_path):
    code, out, err = run_cli("fit", "ae", "iris", "--out", tmp_path / "run", *argv)
    assert code == 2, (code, out, err)
    assert message in err and "Traceback" not in err and "ACC" not in out, err
    assert files_under(tmp_path) == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_cli_cuda_without_cuda(device, tmp_path):
    code, out, err = run_cli("fit", "ae", "iris", "--out", tmp_path / "run", "--option", f"device='{device}'")
    assert code == 2 and f"device '{device}' is not available" in err and "this machine has 'cpu'" in err, err


def test_cli_version_and_progress_help():
    code, out, _ = run_cli("--version")
    from clusterrep import __version__
    assert code == 0 and out.strip() == f"clusterrep {__version__}"
    code, out, _ = run_cli("fit", "--help")
    text = " ".join(out.split())
    assert code == 0 and "--progress" in text and "--no-progress" in text and "stderr is a terminal" in text


def test_cli_default_folder_names_data_options_and_refuses_other_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("fit", "kmeans", "triangle")[0] == 0
    assert run_cli("fit", "kmeans", "triangle", "--data-option", "n_samples=30")[0] == 0
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["kmeans-triangle-n_samples=30-seed0", "kmeans-triangle-seed0"]
    full = tmp_path / "runs" / "kmeans-triangle-seed0" / "metrics.json"
    assert json.loads(full.read_text())["n_samples"] == 150
    code, _, err = run_cli("fit", "kmeans", "triangle", "--option", "max_iter=5", "--out", full.parent)
    assert code == 2 and "holds the results of another run" in err and "--force" in err
    assert json.loads(full.read_text())["options"] == {}
    assert run_cli("fit", "kmeans", "triangle", "--option", "max_iter=5", "--out", full.parent, "--force")[0] == 0
    assert json.loads(full.read_text())["options"] == {"max_iter": 5}


# --- device and checkpoints of the estimators ------------------------------------------------------------------

@pytest.fixture(scope="module")
def fitted_ae():
    from clusterrep.ae import AE
    X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
    return AE(n_clusters=2, max_epochs=2, random_state=0).fit(X)


@pytest.mark.parametrize("device, message", [("bogus", "is not a device name"), ("cuda:99", "is not available"),
                                             ("mps", "is not available"), (7, "device must be a string")])
def test_estimator_device_checked_at_fit(device, message):
    from clusterrep.ae import TAE
    if device == "cuda:99" and torch.cuda.device_count() >= 100:
        pytest.skip("a machine with 100 GPUs")
    with pytest.raises((ValueError, TypeError), match=message):
        TAE(n_clusters=2, max_epochs=1, device=device).fit(np.zeros((6, 3), np.float32))


def test_load_a_folder_says_so(fitted_ae, tmp_path):
    fitted_ae.save(tmp_path / "m.pt")
    with pytest.raises(IsADirectoryError, match="is a folder, not a file written by save.*m.pt"):
        type(fitted_ae).load(tmp_path)
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        fitted_ae.save(tmp_path)


@pytest.mark.parametrize("target", ["new.pt", "old.pt"])
def test_save_on_a_full_disk(fitted_ae, tmp_path, target):
    old = fitted_ae.save(tmp_path / "old.pt").read_bytes()
    with full_disk(), pytest.raises(OSError, match="the disk is full.*nothing was written") as err:
        fitted_ae.save(tmp_path / target)
    assert err.value.errno == errno.ENOSPC and "enforce fail" not in str(err.value)
    assert files_under(tmp_path) == ["old.pt"] and (tmp_path / "old.pt").read_bytes() == old
