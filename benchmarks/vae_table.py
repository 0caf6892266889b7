"""The VAE/TVAE quality table of BENCHMARKS.md from the results of notebook 24 (`paper1_vae_<preset>.csv`).

Run:  python benchmarks/vae_table.py [nbs/results/paper1_vae_cpu.csv]
Prints a Markdown table: per experiment, mean ± sd over seeds of ACC / NMI / ARI of TVAE's assignments, of k-means
on the pixels and of k-means on the VAE's latent means, and the held-out negative ELBO (nats per image) of the VAE
and of TVAE (the mixture's bound), with the two targets of issue 21 checked per row.
"""
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"fig3": "Fig. 3 MNIST {0,1,9} BCE", "fig9": "Fig. 9 MNIST {0,1,9} MSE",
         "fig10": "Fig. 10 F-MNIST {0,1,9} CNN", "fig11": "Fig. 11 MNIST {0,1,3,6,7,9}, k=2"}


def ms(s: pd.Series) -> str:
    return f"{s.mean():.3f} ± {s.std(ddof=1):.3f}" if len(s) > 1 else f"{s.mean():.3f}"


def main(path: Path) -> None:
    df = pd.read_csv(path)
    print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {df.seed.nunique()} seeds per experiment\n")
    head = ["experiment", "TVAE ACC", "k-means pixels ACC", "k-means VAE-μ ACC", "TVAE NMI", "k-means pixels NMI",
            "k-means VAE-μ NMI", "TVAE ARI", "k-means pixels ARI", "k-means VAE-μ ARI", "held-out −ELBO VAE",
            "held-out −ELBO TVAE", "ACC ≥ k-means (pixels)?", "TVAE −ELBO < VAE?"]
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for key, g in df.groupby("experiment", sort=False):
        cells = [NAMES.get(key, key)]
        for metric in ("acc", "nmi", "ari"):
            cells += [ms(g[f"{m}_{metric}"]) for m in ("tvae", "kmeans_pixels", "kmeans_vae")]
        cells += [ms(g.vae_test_nelbo), ms(g.tvae_test_nelbo)]
        cells.append("yes" if g.tvae_acc.mean() >= g.kmeans_pixels_acc.mean() else
                     f"no ({g.tvae_acc.mean() - g.kmeans_pixels_acc.mean():+.3f})")
        cells.append("yes" if g.tvae_test_nelbo.mean() < g.vae_test_nelbo.mean() else "no")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "nbs" / "results" / "paper1_vae_cpu.csv")
