"""Charts as inline SVG strings, drawn by matplotlib (extra ``plots``).

``matplotlib.figure.Figure`` directly, never pyplot: no global figure state, safe from threads.
Text stays text in the SVG (``svg.fonttype: none``: small, searchable, the browser's sans-serif)
and ids are salted so the same data gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from guardrails.errors import GuardrailsError

__all__ = ["ACTION_COLORS", "barh", "grouped_bars", "heatmap", "lines", "stacked_shares"]

ACTION_COLORS = {"allow": "#9aa5b1", "warn": "#e0b000", "redact": "#3b82c4", "escalate": "#e07b00",
                 "block": "#c62828", "error": "#6d28d9"}


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise GuardrailsError("charts need matplotlib: pip install 'tako-guardrails[plots]'") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _svg(fig: Any, title: str) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "guardrails", "font.size": 9}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # no XML prolog or DOCTYPE inside HTML
    label = title.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return text.replace("<svg ", f'<svg role="img" aria-label="{label}" class="chart" ', 1)


def lines(x: Sequence[datetime | float], series: dict[str, Sequence[float | None]], *, title: str, ylabel: str,
          colors: dict[str, str] | None = None, percent: bool = True, xlabel: str = "",
          step: timedelta | None = None) -> str:
    """One line per series over time or any x (values in [0, 1] shown as percent when
    ``percent``; None leaves a gap). ``step``: the time buckets' width (pads the x axis by half)."""
    fig = _figure(8.6, 3.0)
    ax = fig.add_subplot()
    scale = 100.0 if percent else 1.0
    for name, values in series.items():
        ax.plot(list(x), [float("nan") if v is None else v * scale for v in values], marker="o" if len(x) < 30 else None, markersize=3,
                linewidth=1.6, label=name, color=(colors or {}).get(name))
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_ylim(bottom=0)
    if series:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_xlabel(xlabel)
    if x and isinstance(x[0], datetime):
        import matplotlib.dates as mdates

        locator = mdates.AutoDateLocator(minticks=3, maxticks=9)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        if step is not None:
            ax.set_xlim(x[0] - step / 2, x[-1] + step / 2)
    return _svg(fig, title)


def barh(items: Sequence[tuple[str, float]], *, title: str, xlabel: str, color: str = "#3b82c4",
         annotate: str = "{:,.0f}") -> str:
    """Horizontal bars, largest first (items as given, top to bottom)."""
    fig = _figure(8.6, 1.3 + 0.28 * max(len(items), 1))
    ax = fig.add_subplot()
    labels = [label for label, _ in items][::-1]
    values = [value for _, value in items][::-1]
    bars = ax.barh(labels, values, color=color)
    ax.bar_label(bars, labels=[annotate.format(v) for v in values], padding=3, fontsize=8)
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.15)
    ax.grid(axis="x", alpha=0.3)
    return _svg(fig, title)


def stacked_shares(rows: Sequence[str], parts: dict[str, Sequence[float]], *, title: str,
                   totals: Sequence[int] = ()) -> str:
    """Horizontal 100% bars: each row split into ``parts`` (shares in [0, 1])."""
    fig = _figure(8.6, 1.5 + 0.3 * max(len(rows), 1))
    ax = fig.add_subplot()
    left = [0.0] * len(rows)
    labels = [f"{r} ({n:,})" for r, n in zip(rows, totals)] if totals else list(rows)
    for name, shares in parts.items():
        values = [100.0 * s for s in shares]
        ax.barh(labels[::-1], values[::-1], left=left[::-1], label=name, color=ACTION_COLORS.get(name))
        left = [a + b for a, b in zip(left, values)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of decisions")
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _svg(fig, title)


def heatmap(rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float]], *, title: str,
            fmt: str = "{:.1%}", xlabel: str = "", ylabel: str = "") -> str:
    """A table of numbers shaded by value (each cell annotated with ``fmt``)."""
    import numpy as np

    data = np.asarray(values, dtype=float).reshape(len(rows), len(cols))
    fig = _figure(min(2.6 + 0.75 * len(cols), 8.6), 2.0 + 0.32 * max(len(rows), 1))
    ax = fig.add_subplot()
    ax.imshow(data, cmap="Reds", aspect="auto", vmin=0, vmax=max(float(data.max()), 1e-9))
    ax.set_xticks(range(len(cols)), labels=list(cols), rotation=35, ha="right")
    ax.set_yticks(range(len(rows)), labels=list(rows))
    top = float(data.max()) or 1.0
    for i in range(len(rows)):
        for j in range(len(cols)):
            ax.text(j, i, fmt.format(data[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if data[i, j] > 0.6 * top else "black")
    ax.set_title(title, loc="left", fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _svg(fig, title)


def grouped_bars(groups: Sequence[str], metrics: dict[str, Sequence[float | None]], *, title: str,
                 ylabel: str, percent: bool = False) -> str:
    """Bars per group, one per metric side by side (None draws nothing)."""
    fig = _figure(8.6, 3.2)
    ax = fig.add_subplot()
    width = 0.8 / max(len(metrics), 1)
    for k, (name, values) in enumerate(metrics.items()):
        xs = [i + (k - (len(metrics) - 1) / 2) * width for i in range(len(groups))]
        ys = [(v or 0.0) * (100.0 if percent else 1.0) for v in values]
        ax.bar(xs, ys, width=width, label=name)
    ax.set_xticks(range(len(groups)), labels=list(groups), rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return _svg(fig, title)
