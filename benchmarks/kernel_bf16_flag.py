"""What torch's global bf16 switch for float32 matrix products does to the tensor kernels on an AMX CPU.

`torch.backends.mkldnn.matmul.fp32_precision = "bf16"` makes float32 products compute in bfloat16 inside oneDNN
(the CPU's counterpart of TF32 on GPUs). This script compares the kernel values, the squared tensor distances and
the gradients of the kernel work (paper CNN, 120 MNIST test images, random init) under "ieee" and "bf16", then times
the CNN step and the kernel work under both, alternating. Context for issue 3, not a library setting.

A third setting, "bf16-backward", leaves every product in float32 except the one that dominates the backward pass,
the weighted Gram product of the basis route (1200×1200 · 1200×320 per 10×320 mode), which it runs on bfloat16
tensors (AMX, bfloat16 result): the narrowest place low precision could go, away from the ridge factor.

    python benchmarks/kernel_bf16_flag.py --threads 2 --repeats 21
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kernel_speed import ddc_train_step, paper_cnn_setup  # noqa: E402  (also sets CLUSTERREP_DATA and the import path)

import torch  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=21)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from clusterrep.divergence import companion_loss
    from clusterrep.grassmann import pairwise_tensor_distances, tensor_kernel

    X, net, opt, y1, y2, A, _ = paper_cnn_setup()

    def cnn_step():
        ddc_train_step(net, opt, X)

    def kernel_work():
        b1, b2 = y1.clone().requires_grad_(), y2.clone().requires_grad_()
        K1, K2 = tensor_kernel(b1), tensor_kernel(b2)
        (companion_loss(A, K1) + companion_loss(A, K2)).backward()
        return {"kernel, block 1": K1.detach(), "kernel, block 2": K2.detach(),
                "gradient, block 1": b1.grad, "gradient, block 2": b2.grad}

    import clusterrep.grassmann as grassmann
    weighted_product = grassmann._weighted_gram_product_

    def bf16_weighted_product(S, W, C, edges):
        # the library function's only bmm without out= is its final product: run that one on bfloat16 tensors
        bmm = torch.bmm
        grassmann.torch.bmm = lambda a, b, **kw: bmm(a, b, **kw) if kw else bmm(a.bfloat16(), b.bfloat16()).float()
        try:
            return weighted_product(S, W, C, edges)
        finally:
            grassmann.torch.bmm = bmm

    def precision(value):
        torch.backends.mkldnn.matmul.fp32_precision = "bf16" if value == "bf16" else "ieee"
        grassmann._weighted_gram_product_ = bf16_weighted_product if value == "bf16-backward" else weighted_product

    settings = ("ieee", "bf16", "bf16-backward")
    y64, A64 = y1.double().requires_grad_(), A.double()
    grad64, = torch.autograd.grad(companion_loss(A64, tensor_kernel(y64)), y64)
    results = {}
    for value in settings:
        precision(value)
        results[value] = kernel_work(), pairwise_tensor_distances(y1)
    precision("ieee")
    (exact, d2_exact), i, j = results["ieee"], *torch.triu_indices(len(y1), len(y1), 1)
    print(f"torch {torch.__version__}, {args.threads} threads; float32 block-1 gradient (ieee) vs float64: "
          f"{((exact['gradient, block 1'] - grad64).abs().max() / grad64.abs().max()).item():.1e} of the largest entry")
    for value in settings[1:]:
        low, d2_low = results[value]
        print(f"difference {value} vs ieee, relative to the largest entry:")
        for name in exact:
            print(f"  {name:18s} {((low[name] - exact[name]).abs().max() / exact[name].abs().max()).item():.1e}")
        rel = ((d2_low - d2_exact).abs() / d2_exact)[i, j]
        print(f"  squared tensor distances, block 1, per pair: median {rel.median().item():.1e}, max {rel.max().item():.1e}")

    times = {value: ([], []) for value in settings}
    for r in range(args.repeats):
        for value in (settings if r % 2 else settings[::-1]):
            precision(value)
            for fn, store in ((cnn_step, times[value][0]), (kernel_work, times[value][1])):
                t0 = time.perf_counter()
                fn()
                store.append(time.perf_counter() - t0)
    precision("ieee")
    for value, (cnn, kern) in times.items():
        ratio = statistics.median(k / c for k, c in zip(kern, cnn))
        print(f"{value}: CNN step {1e3 * statistics.median(cnn):.1f} ms, kernel work {1e3 * statistics.median(kern):.1f} ms, "
              f"kernels / CNN step {ratio:.3f}")


if __name__ == "__main__":
    main()
