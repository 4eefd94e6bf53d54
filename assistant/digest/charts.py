"""Digest charts as PNG (matplotlib, Agg: no display needed) with Chinese labels in a real CJK font.

The font is Noto Sans CJK SC shipped by the `mplfonts` package (a project dependency, so `make install`
brings it), or `Settings.digest_font_file`.
"""
from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path

import matplotlib

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


def digest_chart(title: str, per_day: list[tuple[date, int]], by_category: list[tuple[str, int]], *,
                 per_day_label: str, by_category_label: str, count_label: str,
                 font_file: Path | None = None) -> bytes:
    """Two panels as PNG bytes: new needs per day (bars) and by category (horizontal bars)."""
    prop = font(font_file)
    fig = Figure(figsize=(9, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    fig.suptitle(title, fontproperties=prop, fontsize=13)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    days = [d.strftime("%m-%d") for d, _ in per_day]
    left.bar(range(len(days)), [n for _, n in per_day], color="#c0392b")
    step = max(1, len(days) // 10)
    left.set_xticks(range(0, len(days), step), days[::step], rotation=45, fontsize=8)
    left.set_title(per_day_label, fontproperties=prop)
    left.set_ylabel(count_label, fontproperties=prop)
    cats = list(reversed(by_category))
    right.barh(range(len(cats)), [n for _, n in cats], color="#2c7fb8")
    right.set_yticks(range(len(cats)), [c for c, _ in cats])
    for label in right.get_yticklabels():
        label.set_fontproperties(prop)
    right.set_title(by_category_label, fontproperties=prop)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    right.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def digest_png(digest, lang: str | None, needs_policy, font_file: Path | None = None) -> bytes | None:
    """The chart of a digest (None when it has no needs to draw)."""
    from ..messages import t
    from .render import category_label

    if not digest.per_day:
        return None
    title = f"{digest.unit_name} · {t(f'digest.period.{digest.period.key}', lang)}"
    return digest_chart(title, list(digest.per_day),
                        [(category_label(needs_policy, c, lang), n) for c, n in digest.by_category],
                        per_day_label=t("digest.chart.per_day", lang), by_category_label=t("digest.chart.by_category", lang),
                        count_label=t("digest.chart.count", lang), font_file=font_file)
