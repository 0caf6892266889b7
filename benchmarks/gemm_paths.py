"""Which matrix-product paths this CPU and torch offer for the tensor kernels' Gram products, timed side by side.

The two 10x320 modes of DTKC's first conv block cost two products per step: the Gram W_f W_f^T (1200x320 times
320x1200) and the weighted backward product S_w W_f (1200x1200 times 1200x320). They run in float32 at the cores'
peak, so only a cheaper arithmetic could shorten them. This script times the candidates on the same shapes:

* float32 (what `clusterrep.grassmann` uses);
* bfloat16 and float16 (fast on CPUs with AMX / AVX-512-BF16, but torch's CPU `mm` returns bfloat16, so the
  result has only 8 significant bits; a split-precision scheme would need a float32 output);
* int8 with int32 accumulation (`torch._int_mm`), exact, the building block of an Ozaki-style split scheme,
  which needs at least four such products to reach float32 accuracy;
* float8 (`torch._scaled_mm`, float32 output);
* float32 in and out with oneDNN's implicit bfloat16 (`torch.backends.mkldnn.matmul.fp32_precision = "bf16"`):
  the inputs are rounded to bfloat16 inside the product, which accumulates and returns float32. Alone it keeps
  about 3 significant digits; the split W = W_hi + W_lo (both exact in bfloat16, three products) keeps float32-level
  accuracy. Both are timed, with their largest error against a float64 product.

It also reports whether torch offers a bfloat16 product with a float32 result on this CPU (`mm(out_dtype=)`,
`mm(out=float32)`, mixed `addmm`), which any bfloat16 split scheme needs.

    python benchmarks/gemm_paths.py --threads 2
"""
import argparse
import statistics
import time

import torch


def median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def float32_output_paths(a: torch.Tensor) -> dict[str, str]:
    "Try the ways torch could return a float32 product of bfloat16 matrices; 'ok' or the error's first line."
    trials = {
        "mm(out_dtype=float32)": lambda: torch.mm(a, a.T, out_dtype=torch.float32),
        "mm(out=float32 tensor)": lambda: torch.mm(a, a.T, out=torch.empty(len(a), len(a))),
        "addmm(float32 input, bf16, bf16)": lambda: torch.addmm(torch.zeros(len(a), len(a)), a, a.T),
    }
    result = {}
    for name, fn in trials.items():
        try:
            out = fn()
            result[name] = f"ok ({out.dtype})"
        except Exception as err:  # each refusal is the finding
            result[name] = "refused: " + str(err).splitlines()[0][:90]
    return result


def implicit_bf16_rows(W: torch.Tensor, S: torch.Tensor, repeats: int) -> list[tuple[str, float, float]]:
    "Float32 products computed by oneDNN in bfloat16 (one product, and the three-product hi/lo split), with errors."
    matmul = torch.backends.mkldnn.matmul
    if not hasattr(matmul, "fp32_precision"):
        return []
    exact = (W.double() @ W.double().T).float()
    scale = exact.abs().max().item()
    hi, hi_s = W.bfloat16().float(), S.bfloat16().float()
    lo, lo_s = (W - hi).bfloat16().float(), (S - hi_s).bfloat16().float()
    split = lambda a_hi, a_lo, b_hi, b_lo: a_hi @ b_hi + (a_hi @ b_lo + a_lo @ b_hi)
    before = matmul.fp32_precision
    try:
        matmul.fp32_precision = "bf16"
        err_one = ((W @ W.T) - exact).abs().max().item() / scale
        err_split = (split(hi, lo, hi.T, lo.T) - exact).abs().max().item() / scale
        rows = [("float32 via oneDNN bf16", median_ms(lambda: W @ W.T, repeats), median_ms(lambda: S @ W, repeats)),
                ("float32 via oneDNN bf16, hi/lo split", median_ms(lambda: split(hi, lo, hi.T, lo.T), repeats),
                 median_ms(lambda: split(hi_s, lo_s, hi, lo), repeats))]
    finally:
        matmul.fp32_precision = before
    err_ieee = ((W @ W.T) - exact).abs().max().item() / scale
    print(f"largest error of W W^T relative to its largest entry: float32 {err_ieee:.0e}, "
          f"oneDNN bf16 {err_one:.0e}, hi/lo split {err_split:.0e}")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=40)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    W = torch.randn(1200, 320, generator=gen)
    S = torch.randn(1200, 1200, generator=gen)
    one = torch.tensor(1.0)
    rows = []
    for name, dtype in (("float32", torch.float32), ("bfloat16", torch.bfloat16), ("float16", torch.float16)):
        w, s = W.to(dtype), S.to(dtype)
        rows.append((name, median_ms(lambda: w @ w.T, args.repeats), median_ms(lambda: s @ w, args.repeats)))
    i8w = torch.randint(-127, 128, (1200, 320), dtype=torch.int8, generator=gen)
    i8s = torch.randint(-127, 128, (1200, 1200), dtype=torch.int8, generator=gen)
    rows.append(("int8 -> int32 (_int_mm)", median_ms(lambda: torch._int_mm(i8w, i8w.T), args.repeats),
                 median_ms(lambda: torch._int_mm(i8s, i8w), args.repeats)))
    f8 = W.to(torch.float8_e4m3fn)
    t_f8 = median_ms(lambda: torch._scaled_mm(f8, f8.T, scale_a=one, scale_b=one, out_dtype=torch.float32), 1, warmup=1)
    rows.append(("float8 e4m3 (_scaled_mm, float32 out)", t_f8, float("nan")))

    print(f"torch {torch.__version__}, {args.threads} threads, CPU capability {torch.backends.cpu.get_cpu_capability()}")
    rows += implicit_bf16_rows(W, S, args.repeats)
    print(f"{'path':40s} {'W W^T (1200x320x1200)':>22s} {'S_w W (1200x1200x320)':>22s} {'speed vs float32':>17s}")
    base = rows[0][1]
    for name, t_gram, t_back in rows:
        print(f"{name:40s} {t_gram:19.2f} ms {t_back:19.2f} ms {base / t_gram:16.1f}x")
    gmac = 1200 * 320 * 1200 / (base * 1e-3) / 1e9
    print(f"float32 Gram product: {gmac:.0f} GMAC/s")
    print("bfloat16 product with a float32 result:")
    for name, verdict in float32_output_paths(W.bfloat16()[:64]).items():
        print(f"  {name:34s} {verdict}")


if __name__ == "__main__":
    main()
