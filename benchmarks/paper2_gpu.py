"""Paper 2's protocol for DTKC (and/or DDC) on full MNIST on one GPU, in pieces that fit 10-minute calls: the 60 000
training images, batch 120, at most 100 epochs (patience 30), Adam at the paper's 1e-4, clipping at 10, the library's
defaults otherwise (the public code's bandwidth rule, L2 over pairs); one CSV row per finished restart in notebook 21's
run format (so `paired_restarts.py`, `merge_runs.py` and `clusterrep.paper2.summarize_protocol` read it). The seeds are
the `paper` preset's (`restart_seeds(0, 20)`).

Each restart is the estimators' device path (`DDC(drop_last=True)`: data resident on the GPU, fixed-shape batches
drawn on the GPU — 60 000 = 500 × 120, nothing dropped — and no per-step finiteness check) driven by this script's
epoch loop, which adds two things `fit` has no use for: the epoch loss is summed on the device (one host sync per
epoch), and the restart is checkpointed (network, Adam, batch generator, early stopping, best epoch) when the call's
time runs out, so the next call resumes it exactly where it stopped. `--workers N` trains N restarts at once, one
process each, on the one GPU (a batch of 120 leaves most of an H100 idle). With `--n 1200 --max-epochs 3 --device cpu`
the same code runs anywhere in a minute or two; `--check` then also verifies that an interrupted and resumed restart
ends exactly as `DTKC(drop_last=True).fit` does.

Once, on the development machine (the data mirror's MNIST travels with the working tree; runs/ is git-ignored):

    mkdir -p runs/data && cp -r /work/shared/data/mnist runs/data/

Each device call (the `run` tool, carry ["runs/data", "runs/paper2_gpu"], timeout_s 600):

    PYTHONUNBUFFERED=1 CLUSTERREP_DATA=runs/data python benchmarks/paper2_gpu.py --budget 500 --workers 4 --out $OUT

It prints ms per step, the estimated minutes per restart, one line per finished restart (loss, ACC, NMI, epochs,
minutes) and the summary beside paper 2's Table II; $OUT receives `paper2_gpu.csv` and `paper2_gpu_state.tar` (the
unfinished restarts' checkpoints). Before the next call, unpack both into runs/paper2_gpu:

    mkdir -p runs/paper2_gpu && cp FILES_AT/paper2_gpu.csv runs/paper2_gpu/ && tar -xf FILES_AT/paper2_gpu_state.tar -C runs/paper2_gpu

Without a GPU the same protocol runs on the CPU in the background, one restart at a time on one core (≈ 0.1 s per DDC
step, ≈ 90 min per DDC restart), and resumes across sessions from its own folder (runs/ is git-ignored, so the
checkpoints stay on the machine):

    OMP_NUM_THREADS=1 CLUSTERREP_DATA=../shared/data nohup python benchmarks/paper2_gpu.py --device cpu --methods ddc dtkc \
        --budget 9000 --state runs/paper2_cpu > runs/paper2_cpu/log.txt 2>&1 &
"""
import argparse
import copy
import math
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from clusterrep.data import load_dataset  # noqa: E402
from clusterrep.ddc import DDC, fixed_batches, predict_batches  # noqa: E402
from clusterrep.dtkc import DTKC  # noqa: E402
from clusterrep.metrics import evaluate  # noqa: E402
from clusterrep.paper2 import read_runs, summarize_protocol, write_runs  # noqa: E402
from clusterrep.training import EarlyStopping, make_generators, restart_seeds  # noqa: E402

CLASSES = {"ddc": DDC, "dtkc": DTKC}
BATCH = 120


def make(method: str, seed: int, a) -> DDC:
    return CLASSES[method](n_clusters=10, n_init=1, random_state=seed, max_epochs=a.max_epochs, patience=30,
                           batch_size=BATCH, lr=a.lr, device=a.device, drop_last=True)


def train_restart(method: str, seed: int, X: torch.Tensor, a, ckpt: Path, deadline: float,
                  stop_after: int | None = None):
    """One restart, resumed from `ckpt` if it exists. Returns (best loss, labels, epochs) when it finishes, None when
    the time (or `stop_after` epochs of this call) ran out first; the state is then saved to `ckpt`. `seed` is the
    estimator's `random_state`, as in notebook 21's rows: the restart itself runs on the seed `fit` derives from it."""
    est = make(method, seed, a)
    seed = restart_seeds(seed, 1)[0]                           # what DeepClusterer.fit does with n_init=1
    net = est._build_net(tuple(X.shape[1:]), seed)
    companions = est._companions(net)
    loss_fn = est._batch_loss(companions)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr)
    gen, _ = make_generators(seed, X.device)
    stopper = EarlyStopping(30)
    st = dict(epoch=0, history=[], best_loss=math.inf, best_state=copy.deepcopy(net.state_dict()), done=False)
    if ckpt.exists():
        ck = torch.load(ckpt, map_location="cpu", weights_only=False)   # generator states must stay on the CPU
        net.load_state_dict(ck["net"]); opt.load_state_dict(ck["opt"]); gen.set_state(ck["gen"])
        stopper.__dict__.update(ck["stopper"]); st = ck["st"]
    params = [p for g in opt.param_groups for p in g["params"]]
    epochs_here = 0
    try:
        while not st["done"]:
            t0 = time.perf_counter()
            net.train()
            total = torch.zeros((), device=X.device)
            batches = fixed_batches(len(X), BATCH, gen)
            for idx in batches:
                loss = loss_fn(net, X[idx], None)[0]
                opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(params, 10.0)
                opt.step()
                total += loss.detach()
            epoch_loss = float(total) / len(batches)           # the one host synchronisation of the epoch
            st["history"].append(epoch_loss); st["epoch"] += 1; epochs_here += 1
            if epoch_loss < st["best_loss"]:
                st["best_loss"], st["best_state"] = epoch_loss, copy.deepcopy(net.state_dict())
            st["done"] = (not math.isfinite(epoch_loss) or stopper.step(epoch_loss)
                          or st["epoch"] >= a.max_epochs)
            epoch_s = time.perf_counter() - t0
            out_of_time = time.perf_counter() + 1.3 * epoch_s > deadline
            if not st["done"] and (out_of_time or (stop_after is not None and epochs_here >= stop_after)):
                tmp = ckpt.with_suffix(".tmp")
                torch.save(dict(net=net.state_dict(), opt=opt.state_dict(), gen=gen.get_state(),
                                stopper=dict(stopper.__dict__), st=st), tmp)
                os.replace(tmp, ckpt)
                return None
    finally:
        if companions is not None: companions.remove()
    if not math.isfinite(st["history"][-1]):
        return math.inf, np.zeros(len(X), np.int64), st["epoch"]
    net.load_state_dict(st["best_state"])
    A, _ = predict_batches(net, X)
    if ckpt.exists(): ckpt.unlink()
    return st["best_loss"], A.argmax(1).cpu().numpy(), st["epoch"]


def step_ms(method: str, X: torch.Tensor, a, steps: int = 50) -> float:
    "Milliseconds per training step of `method` on the device (after 10 warm-up steps), this script's loop."
    steps = min(steps, len(X) // BATCH)
    sub = X[:BATCH * steps]
    b = argparse.Namespace(**{**vars(a), "max_epochs": 1})
    scratch = Path(a.state) / f"_timing_{os.getpid()}.pt"
    def run(n):
        if a.device.startswith("cuda"): torch.cuda.synchronize()
        t = time.perf_counter()
        train_restart(method, 0, sub[:BATCH * n], b, scratch, math.inf)
        if a.device.startswith("cuda"): torch.cuda.synchronize()
        return time.perf_counter() - t
    run(min(10, steps))
    return 1000 * run(steps) / steps


def load(a):
    ds = load_dataset("mnist", split="train", flat=False, scale=True)
    X, y = np.asarray(ds.X, np.float32), np.asarray(ds.y)
    return (X[:a.n], y[:a.n]) if a.n else (X, y)


def worker(a, todo, part: Path, deadline: float):
    "Run the (seed, method) pairs of `todo` one after the other until the deadline; rows to `part`."
    X, y = load(a)
    Xd = torch.as_tensor(X, device=a.device)
    rows = read_runs(part)
    for seed, m in todo:
        if time.perf_counter() > deadline:
            break
        t = time.perf_counter()
        ckpt = Path(a.state) / f"{a.setting}_{m}_{seed}.pt"
        out = train_restart(m, seed, Xd, a, ckpt, deadline, a.stop_after)
        if out is None:
            print(f"{m} seed {seed}: checkpointed ({ckpt.name}), resumes next call", flush=True)
            break
        loss, labels, epochs = out
        rows.append(dict(dataset="mnist", method=m, setting=a.setting, seed=seed, loss=float(loss),
                         **evaluate(y, labels), n_samples=len(y), epochs=epochs,
                         seconds=round(time.perf_counter() - t, 3)))
        write_runs(part, rows)
        r = rows[-1]
        print(f"{m} seed {seed}: loss {r['loss']:.4f} ACC {r['acc']:.3f} NMI {r['nmi']:.3f} epochs {epochs} "
              f"({r['seconds'] / 60:.1f} min in this call)", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", nargs="+", default=["dtkc"], choices=list(CLASSES),
                    help="several: each seed runs every method before the next seed (paired restarts)")
    ap.add_argument("--budget", type=float, default=500, help="seconds this call may spend")
    ap.add_argument("--workers", type=int, default=1, help="restarts trained at once, one process each")
    ap.add_argument("--state", default="runs/paper2_gpu", help="folder of the CSV and the checkpoints")
    ap.add_argument("--out", default=None, help="folder that receives the CSV and a tar of the checkpoints ($OUT)")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--n", type=int, default=None, help="the first N training images (default all 60 000)")
    ap.add_argument("--max-epochs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--n-runs", type=int, default=20)
    ap.add_argument("--stop-after", type=int, default=None, help="checkpoint after this many epochs of a call (tests)")
    ap.add_argument("--check", action="store_true", help="verify interrupt + resume == DTKC(drop_last=True).fit")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    a.setting = f"paper-gpu-e{a.max_epochs}-lr{a.lr:g}" + (f"-n{a.n}" if a.n else "")
    state = Path(a.state); state.mkdir(parents=True, exist_ok=True)
    if a.worker is not None:                                   # child: "i/N deadline"
        i, n, deadline = a.worker.split(":")
        todo = [tuple(t) for t in pending(a)][int(i)::int(n)]
        worker(a, [(int(s), m) for s, m in todo], state / f"part{i}.csv", time.perf_counter() + float(deadline))
        return
    start = time.perf_counter()
    X, y = load(a)
    print(f"MNIST train {X.shape}, device {a.device} "
          f"({torch.cuda.get_device_name() if a.device.startswith('cuda') else 'CPU'}), setting {a.setting}")
    if a.check:
        check(a, X)
    Xd = torch.as_tensor(X, device=a.device)
    for m in a.methods:
        ms = step_ms(m, Xd, a)
        print(f"{m}: {ms:.2f} ms per step (one process) -> a full restart ({a.max_epochs * (len(X) // BATCH)} steps) "
              f"≈ {ms * a.max_epochs * (len(X) // BATCH) / 60000:.1f} min", flush=True)
    del Xd
    left = a.budget - (time.perf_counter() - start) - 20       # 20 s to merge and pack
    procs = [subprocess.Popen([sys.executable, __file__, *sys.argv[1:], "--worker", f"{i}:{a.workers}:{left}"])
             for i in range(a.workers)]
    for p in procs:
        p.wait()
    rows = read_runs(state / "paper2_gpu.csv")
    seen = {(r["setting"], r["method"], r["seed"]) for r in rows}
    for part in sorted(state.glob("part*.csv")):
        for r in read_runs(part):
            if (r["setting"], r["method"], r["seed"]) not in seen:
                rows.append(r); seen.add((r["setting"], r["method"], r["seed"]))
        part.unlink()
    if rows:
        write_runs(state / "paper2_gpu.csv", rows)
    mine = [r for r in rows if r["setting"] == a.setting]
    for (_, method, _), s in summarize_protocol(mine).items():
        print(f"{method}: {s['n_runs']} restarts, Best ACC {s['best']['acc']:.3f} NMI {s['best']['nmi']:.3f}; "
              f"Mean ACC {s['mean']['acc']:.3f} NMI {s['mean']['nmi']:.3f} Sd {s['sd']['acc']:.3f} "
              "(paper 2 Table II, Best / Mean / Sd ACC: DTKC 0.94 / 0.77 / 0.08, DDC 0.91 / 0.77 / 0.07)")
    print(f"{len(mine)} finished restarts, {len(pending(a))} to go; "
          f"{len(list(state.glob('*.pt')))} checkpointed")
    if a.out:
        out = Path(a.out)
        if rows:
            write_runs(out / "paper2_gpu.csv", rows)
        with tarfile.open(out / "paper2_gpu_state.tar", "w") as tar:
            for p in sorted(state.glob("*.pt")):
                tar.add(p, arcname=p.name)


def pending(a) -> list[tuple[int, str]]:
    "(seed, method) pairs of the protocol without a row in the run's CSV: the checkpointed ones first, then in protocol order."
    done = {(r["method"], r["seed"]) for r in read_runs(Path(a.state) / "paper2_gpu.csv") if r["setting"] == a.setting}
    todo = [(s, m) for s in restart_seeds(0, a.n_runs) for m in a.methods if (m, s) not in done]
    started = lambda t: (Path(a.state) / f"{a.setting}_{t[1]}_{t[0]}.pt").exists()
    return sorted(todo, key=lambda t: not started(t))          # checkpointed restarts first (stable otherwise)


def check(a, X):
    "An interrupted and resumed restart ends exactly as the estimator's own fit (CPU: deterministic)."
    Xd = torch.as_tensor(X, device=a.device)
    ckpt = Path(a.state) / "_check.pt"
    if ckpt.exists(): ckpt.unlink()
    assert train_restart("dtkc", 7, Xd, a, ckpt, math.inf, stop_after=1) is None and ckpt.exists()
    loss, labels, epochs = train_restart("dtkc", 7, Xd, a, ckpt, math.inf)
    est = make("dtkc", 7, a).fit(X)
    assert epochs == len(est.history_), (epochs, len(est.history_))
    assert abs(loss - est.loss_) <= 1e-5 * abs(est.loss_), (loss, est.loss_)
    assert np.array_equal(labels, est.labels_)
    print(f"check: interrupted after 1 epoch and resumed = DTKC(drop_last=True).fit (loss {loss:.6f} vs "
          f"{est.loss_:.6f}, {epochs} epochs, same labels)")


if __name__ == "__main__":
    main()
