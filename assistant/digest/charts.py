"""Digest charts as PNG (matplotlib, Agg: no display needed) with Chinese labels in a real CJK font.

The font is Noto Sans CJK SC shipped by the `mplfonts` package (a project dependency, so `make install`
brings it), or `Settings.digest_font_file`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import MaxNLocator

SHIPPED_FONT = "NotoSansCJKsc-Regular.otf"


def font_path(configured: Path | None = None) -> Path:
    """The CJK font file charts use: the configured one, else the one mplfonts ships."""
    if configured is not None:
        return Path(configured)
    import mplfonts

    return Path(mplfonts.__file__).resolve().parent / "fonts" / SHIPPED_FONT


@lru_cache(maxsize=4)
def font(configured: Path | None = None) -> FontProperties:
    path = font_path(configured)
    if not path.is_file():
        raise FileNotFoundError(f"CJK font for charts not found: {path} (run `make install`)")
    return FontProperties(fname=str(path))


DPI = 150
NEW_COLOUR, RESOLVED_COLOUR, CATEGORY_COLOUR, RATE_COLOUR = "#c0392b", "#27ae60", "#2c7fb8", "#8e44ad"


@dataclass(frozen=True)
class ChartLabels:
    """The chart's words, already in the reader's language."""

    per_day: str
    new: str
    resolved: str
    by_category: str
    rates: str
    count: str
    no_rate: str


def digest_chart(title: str, per_day: list[tuple[date, int, int]], by_category: list[tuple[str, int]],
                 rates: list[tuple[str, float | None]], labels: ChartLabels, font_file: Path | None = None) -> bytes:
    """PNG bytes at DPI: needs opened vs resolved per day (grouped bars), new needs by category and the rates
    (horizontal bars), every bar labelled with its value."""
    prop = font(font_file)
    fig = Figure(figsize=(12, 6), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.suptitle(title, fontproperties=prop, fontsize=14)
    grid = fig.add_gridspec(2, 2, width_ratios=[3, 2])
    days, categories, rated = fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])
    x = np.arange(len(per_day))
    for offset, values, colour, name in ((-0.2, [n for _, n, _ in per_day], NEW_COLOUR, labels.new),
                                         (0.2, [r for _, _, r in per_day], RESOLVED_COLOUR, labels.resolved)):
        bars = days.bar(x + offset, values, 0.4, color=colour, label=name)
        if len(per_day) <= 31:
            days.bar_label(bars, labels=[str(v) if v else "" for v in values], fontsize=7)
    step = max(1, len(per_day) // 12)
    days.set_xticks(x[::step], [d.strftime("%m-%d") for d, _, _ in per_day][::step], rotation=45, fontsize=8)
    days.set_title(labels.per_day, fontproperties=prop)
    days.set_ylabel(labels.count, fontproperties=prop)
    days.legend(prop=prop, loc="upper left")
    days.yaxis.set_major_locator(MaxNLocator(integer=True))
    cats = list(reversed(by_category))
    bars = categories.barh(range(len(cats)), [n for _, n in cats], color=CATEGORY_COLOUR)
    categories.bar_label(bars, fontsize=8)
    categories.margins(x=0.12)
    categories.set_yticks(range(len(cats)), [c for c, _ in cats])
    categories.set_title(labels.by_category, fontproperties=prop)
    categories.xaxis.set_major_locator(MaxNLocator(integer=True))
    shown = list(reversed(rates))
    bars = rated.barh(range(len(shown)), [v or 0 for _, v in shown], color=RATE_COLOUR)
    rated.bar_label(bars, labels=[f"{v:.1f}%" if v is not None else labels.no_rate for _, v in shown], fontsize=8,
                    fontproperties=prop)
    rated.set_xlim(0, 115)
    rated.set_yticks(range(len(shown)), [name for name, _ in shown])
    rated.set_title(labels.rates, fontproperties=prop)
    for axis in (categories, rated):
        for label in axis.get_yticklabels():
            label.set_fontproperties(prop)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def digest_png(digest, lang: str | None, needs_policy, font_file: Path | None = None, empty: bool = False) -> bytes | None:
    """The chart of a digest; None when it has no needs to draw, unless `empty` (then a chart of zeros)."""
    from ..messages import t
    from .render import category_label

    if not digest.per_day and not empty:
        return None
    per_day = digest.per_day or tuple((day, 0) for day in digest.period.days)
    resolved = dict(digest.resolved_per_day)
    rates = digest.section("rates") or {}
    labels = ChartLabels(**{name: t(f"digest.chart.{name}", lang) for name in ChartLabels.__dataclass_fields__})
    return digest_chart(
        t("digest.chart.title", lang, unit=digest.unit_name, period=digest.period.label(digest.zone, lang)),
        [(day, n, resolved.get(day, 0)) for day, n in per_day],
        [(category_label(needs_policy, c, lang), n) for c, n in digest.by_category],
        [(t(f"digest.chart.rate.{name}", lang), rates[name].pct if name in rates else None)
         for name in ("response", "resolution", "satisfaction")],
        labels, font_file)
