"""Digest charts: a readable PNG whose Chinese labels use a font that really has the glyphs (no tofu boxes),
and the XLSX export readable with the needs and their history."""
from __future__ import annotations

import io
import warnings
from datetime import date

import numpy as np
from fontTools.ttLib import TTFont
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from assistant.messages import CATALOGUE
from assistant.policy import load_needs_policy
from assistant.digest import charts

LABELS = "梅园社区近7天每日新增诉求按类别件数" + "".join(c.zh for c in load_needs_policy().categories)


def render(text: str, fname: str) -> np.ndarray:
    fig = Figure(figsize=(2, 1), dpi=50)
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.3, text, fontproperties=charts.FontProperties(fname=fname), fontsize=30)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Glyph … missing from font(s)": expected for DejaVu
        fig.savefig(buffer, format="png")
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))


def test_the_chart_font_has_every_chinese_label_glyph():
    path = charts.font_path()
    assert path.is_file() and path.stat().st_size > 1_000_000  # a real CJK font, not a stub
    cmap = TTFont(str(path), fontNumber=0, lazy=True).getBestCmap()
    chinese = {c for key in ("digest.chart.per_day", "digest.chart.by_category", "digest.chart.count",
                             "digest.period.week") for c in CATALOGUE[key]["zh"]} | set(LABELS)
    missing = sorted(c for c in chinese if ord(c) > 0x2E80 and ord(c) not in cmap)
    assert missing == []
    face = FT2Font(str(path))
    assert all(face.get_char_index(ord(c)) != 0 for c in LABELS)


def test_glyphs_render_unlike_the_tofu_box():
    """Tofu draws every missing character as the same box: distinct characters must render distinctly."""
    path = str(charts.font_path())
    chars = "梅园诉求类别件数"
    images = [render(c, path).tobytes() for c in chars]
    assert len(set(images)) == len(chars)
    assert all((np.frombuffer(i, np.uint8) < 128).sum() > 20 for i in images)  # ink, not blank
    # the check itself can fail: a font without CJK draws the same box for two Chinese characters
    from matplotlib import font_manager

    dejavu = font_manager.findfont("DejaVu Sans")
    assert np.array_equal(render("梅", dejavu), render("园", dejavu))


def test_digest_chart_is_a_readable_png():
    labels = charts.ChartLabels(per_day="每日新增与办结", new="新增", resolved="办结", by_category="按类别", rates="三率",
                                count="件数", no_rate="本期无到期")
    png = charts.digest_chart("梅园社区 · 近7天（11-20 00:00 至 11-26 14:00）",
                              [(date(2026, 11, d), d % 3, d % 2) for d in range(20, 27)],
                              [("电梯", 4), ("物业服务", 2)], [("响应率", 80.0), ("解决率", None), ("满意率", 66.7)], labels)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1800, 900)  # 12 × 6 inches at 150 dpi
    assert round(image.info["dpi"][0]) == charts.DPI >= 150
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours = {tuple(int(charts.__dict__[name][i:i + 2], 16) for i in (1, 3, 5))
               for name in ("NEW_COLOUR", "RESOLVED_COLOUR", "CATEGORY_COLOUR", "RATE_COLOUR")}
    assert all((pixels == colour).all(axis=1).sum() > 200 for colour in colours)  # every series is drawn
