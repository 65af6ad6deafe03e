"""PNG charts for eval reports (extra ``plots``): precision-recall curves, score histograms."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["write_plots"]


def write_plots(report: dict[str, Any], out: Path, *, warn: Callable[[str], None] | None = None) -> list[Path]:
    """Write pr_curves.png and score_histograms.png; [] (and a warning) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        if warn:
            warn("charts skipped: install the plots extra (pip install 'tako-guardrails[plots]')")
        return []
    cats = {c: r for c, r in report["categories"].items() if r.get("_curve")}
    written: list[Path] = []
    if cats:
        fig, ax = plt.subplots(figsize=(7, 5))
        for c, r in cats.items():
            curve = r["_curve"]
            ax.plot(curve["recall"], curve["precision"], label=f"{c} (AP {r['average_precision'] or 0:.2f})")
            if r["recall"] is not None and r["precision"] is not None:
                ax.scatter([r["recall"]], [r["precision"]], marker="o", s=25)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"Precision-recall, policy {report['policy']['name']} (dots: current thresholds)")
        ax.legend(fontsize=8, loc="lower left")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        path = out / "pr_curves.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    hists = {c: r for c, r in report["categories"].items() if r.get("_hist")}
    if hists:
        cols = min(3, len(hists))
        rows = math.ceil(len(hists) / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
        bins = [i / 20 for i in range(21)]
        for ax, (c, r) in zip(axes.flat, hists.items()):
            ax.hist(r["_hist"]["negative"], bins=bins, alpha=0.6, label="without label", color="tab:blue")
            ax.hist(r["_hist"]["positive"], bins=bins, alpha=0.6, label="labelled", color="tab:red")
            if r["threshold"] is not None:
                ax.axvline(r["threshold"], color="black", linestyle="--", linewidth=1)
            ax.set_yscale("log")
            ax.set_title(c, fontsize=10)
            ax.set_xlabel("score")
        for ax in list(axes.flat)[len(hists):]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        fig.suptitle("Score distributions (dashed: threshold)", fontsize=10)
        fig.tight_layout()
        path = out / "score_histograms.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
