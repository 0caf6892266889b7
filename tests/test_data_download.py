"""The download path of clusterrep.data, against a local HTTP server (no internet needed).

A tiny fake MNIST test set (IDX, gzipped) and fake LIBSVM USPS archives are written to tmp_path and served
from 127.0.0.1 on a random port; the module-level URL, sha256 and conversion tables are pointed at them with
monkeypatch. Checked: a good download lands in an empty data directory with the right hash and no temporary
file; a corrupt one raises an error naming the file, the expected and the actual hash and leaves nothing
behind; an existing file is not downloaded again; the data-directory resolution order.
"""
import bz2
import gzip
import hashlib
import http.server
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from clusterrep import data

RELS = ["mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz"]


def idx_bytes(arr: np.ndarray) -> bytes:
    "An IDX file (unsigned bytes) holding `arr`."
    return struct.pack(">I", 0x0800 + arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(np.uint8).tobytes()


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


class Server:
    "A threaded HTTP server on 127.0.0.1 (random port) serving `files` {url path: bytes} and counting requests."

    def __init__(self, files: dict):
        self.files, self.requests = files, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404); return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 5
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs=dict(poll_interval=0.05), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_mnist(tmp_path):
    "Good and corrupt copies of a 5-image MNIST test set, written to tmp_path/src, served locally."
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1, 5], np.uint8)
    src = tmp_path / "src"
    src.mkdir()
    good = {RELS[0]: gzip.compress(idx_bytes(images)), RELS[1]: gzip.compress(idx_bytes(labels))}
    files = {}
    for rel, body in good.items():
        name = Path(rel).name
        (src / name).write_bytes(body)
        bad = bytearray(body)
        bad[len(bad) // 2] ^= 0xFF  # one flipped byte in the middle
        (src / f"bad-{name}").write_bytes(bytes(bad))
        files[f"/good/{name}"] = (src / name).read_bytes()
        files[f"/bad/{name}"] = (src / f"bad-{name}").read_bytes()
    server = Server(files)
    yield dict(server=server, good=good, images=images, labels=labels)
    server.close()
    assert not server.thread.is_alive()


def point_tables(monkeypatch, fake, which="good"):
    for rel, body in fake["good"].items():
        monkeypatch.setitem(data.URLS, rel, [f"{fake['server'].url}/{which}/{Path(rel).name}"])
        monkeypatch.setitem(data.SHA256, rel, sha(body))
        monkeypatch.delitem(data.RAW_SHA256, rel, raising=False)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    "Requests to 127.0.0.1 must not go through a proxy configured in the environment."
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_good_download_lands_with_right_hash(fake_mnist, monkeypatch, tmp_path):
    point_tables(monkeypatch, fake_mnist)
    root = tmp_path / "data"  # does not exist yet
    path = data.fetch_file(RELS[1], root, progress=False)
    assert path == root / RELS[1]
    assert data.sha256sum(path) == sha(fake_mnist["good"][RELS[1]])
    assert sorted(p.name for p in (root / "mnist").iterdir()) == [Path(RELS[1]).name]  # no temporary file left


def test_load_dataset_downloads_into_empty_dir(fake_mnist, monkeypatch, tmp_path):
    point_tables(monkeypatch, fake_mnist)
    root = tmp_path / "data"
    ds = data.load_dataset("mnist", split="test", data_dir=root)
    assert ds.X.shape == (5, 1, 28, 28) and ds.X.dtype == np.float32
    np.testing.assert_array_equal(ds.y, fake_mnist["labels"])
    np.testing.assert_array_equal(ds.X[:, 0], fake_mnist["images"].astype(np.float32) / 255)
    for rel in RELS:
        assert data.sha256sum(root / rel) == data.SHA256[rel]
    assert data.dataset_info("mnist", data_dir=root)["available"] is False  # the train files are not there


def test_corrupt_download_raises_and_leaves_nothing(fake_mnist, monkeypatch, tmp_path):
    point_tables(monkeypatch, fake_mnist, which="bad")
    root = tmp_path / "data"
    with pytest.raises(data.ChecksumError) as err:
        data.fetch_file(RELS[0], root, progress=False)
    msg = str(err.value)
    assert Path(RELS[0]).name in msg and str(root / RELS[0]) in msg
    assert data.SHA256[RELS[0]] in msg  # expected hash
    bad = (tmp_path / "src" / f"bad-{Path(RELS[0]).name}").read_bytes()
    assert sha(bad) in msg  # actual hash
    assert not (root / RELS[0]).exists()
    assert not root.exists()  # no half-written or temporary file, and no folder the attempt created


def test_existing_file_is_not_downloaded_again(fake_mnist, monkeypatch, tmp_path):
    point_tables(monkeypatch, fake_mnist)
    root = tmp_path / "data"
    server = fake_mnist["server"]
    data.fetch_file(RELS[1], root, progress=False)
    n = len(server.requests)
    assert n == 1
    for _ in range(2):
        data.fetch_file(RELS[1], root, progress=False)
    data.load_dataset("mnist", split="test", data_dir=root)  # downloads only the image file
    assert server.requests[n:] == [f"/good/{Path(RELS[0]).name}"]


def test_existing_corrupt_file_is_reported_not_replaced(fake_mnist, monkeypatch, tmp_path):
    point_tables(monkeypatch, fake_mnist)
    root = tmp_path / "data"
    dest = root / RELS[1]
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"not the labels")
    with pytest.raises(data.ChecksumError, match="expected " + data.SHA256[RELS[1]]):
        data.fetch_file(RELS[1], root, progress=False)
    assert dest.read_bytes() == b"not the labels"  # the user's file is left alone
    assert fake_mnist["server"].requests == []


def test_missing_file_without_download_or_source(fake_mnist, monkeypatch, tmp_path):
    point_tables(monkeypatch, fake_mnist)
    with pytest.raises(FileNotFoundError, match="download=False"):
        data.fetch_file(RELS[1], tmp_path / "data", download=False)
    monkeypatch.setitem(data.URLS, RELS[1], [f"{fake_mnist['server'].url}/nothing-here.gz"])
    with pytest.raises(ConnectionError, match="nothing-here"):
        data.fetch_file(RELS[1], tmp_path / "data", progress=False)
    assert not any(p.is_file() for p in (tmp_path / "data").rglob("*"))


def test_gz_accepted_by_decompressed_hash(fake_mnist, monkeypatch, tmp_path):
    "A differently compressed archive with the same content (canonical vs mirror MNIST) passes via RAW_SHA256."
    point_tables(monkeypatch, fake_mnist)
    rel = RELS[1]
    raw = gzip.decompress(fake_mnist["good"][rel])
    recompressed = gzip.compress(raw, compresslevel=1, mtime=12345)
    assert sha(recompressed) != data.SHA256[rel]
    fake_mnist["server"].files["/other.gz"] = recompressed
    monkeypatch.setitem(data.URLS, rel, [f"{fake_mnist['server'].url}/other.gz"])
    monkeypatch.setitem(data.RAW_SHA256, rel, sha(raw))
    path = data.fetch_file(rel, tmp_path / "data", progress=False)
    assert data.sha256sum(path) == sha(recompressed)


def libsvm_text(X, y):
    return "".join(f"{lab} " + " ".join(f"{j + 1}:{v:.6g}" for j, v in enumerate(x) if v != 0) + "\n"
                   for x, lab in zip(X, y))


def test_conversion_from_canonical_format(monkeypatch, tmp_path):
    "USPS comes as LIBSVM bz2 archives: downloaded (md5-checked), converted to the mirror npz, hash kept aside."
    rng = np.random.default_rng(1)
    X = np.round(rng.uniform(-1, 1, size=(12, 256)), 4)
    X[:, :10] = -1.0
    y = np.arange(12) % 10 + 1
    raw = {"usps.bz2": bz2.compress(libsvm_text(X[:8], y[:8]).encode()),
           "usps.t.bz2": bz2.compress(libsvm_text(X[8:], y[8:]).encode())}
    server = Server({f"/{k}": v for k, v in raw.items()})
    try:
        rel = "usps/usps.npz"
        conv = data.Conversion({k: (f"{server.url}/{k}", hashlib.md5(v).hexdigest()) for k, v in raw.items()},
                               data.convert_usps, validate=lambda a: None)
        monkeypatch.setitem(data.CONVERSIONS, rel, conv)
        monkeypatch.delitem(data.SHA256, rel)
        root = tmp_path / "data"
        ds = data.load_dataset("usps", data_dir=root)
        np.testing.assert_allclose(ds.X.reshape(12, 256), (X + 1) / 2, atol=1e-6)
        np.testing.assert_array_equal(ds.y, y - 1)
        assert len(data.load_dataset("usps", split="test", data_dir=root)) == 4
        converted = root / data.converted_name(rel)  # never under the mirror's (pinned) name
        assert converted.name == "usps.converted.npz" and not (root / rel).exists()
        side = converted.with_name(converted.name + ".sha256")
        assert side.read_text().split()[0] == data.sha256sum(converted)
        assert len(server.requests) == 2  # the second load used the converted file
        # a corrupted raw archive (md5 mismatch) raises and leaves neither the raw nor the converted file
        server.files["/usps.t.bz2"] = raw["usps.t.bz2"][:-5]
        root2 = tmp_path / "data2"
        with pytest.raises(data.ChecksumError, match="md5 mismatch for .*usps.t.bz2"):
            data.load_dataset("usps", data_dir=root2)
        assert not (root2 / rel).exists() and not (root2 / data.converted_name(rel)).exists()
        assert sorted(p.name for p in root2.rglob("*") if p.is_file()) == ["usps.bz2"]
    finally:
        server.close()


def test_data_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTERREP_DATA", str(tmp_path / "env"))
    assert data.resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert data.resolve_data_dir() == tmp_path / "env"
    monkeypatch.delenv("CLUSTERREP_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.resolve_data_dir() == tmp_path / "xdg" / "clusterrep"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.resolve_data_dir() == tmp_path / "home" / ".cache" / "clusterrep"
