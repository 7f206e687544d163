"""Chart geometry for server-rendered SVG (templates/web/stats/charts.html draws it).

No JavaScript and no chart library: the statistics page must print and must be read by
screen readers, so each chart is a plain SVG (role="img", <title>, <desc>) computed here as
numbers, and the page puts the same figures in a table beside it. Lengths are SVG user
units; the SVG scales with its viewBox."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 740
LABEL_WIDTH = 320  # room for the stage labels left of horizontal bars
LABEL_CHARACTERS = 42  # a longer label is shortened in the chart (the table has it whole)
VALUE_ROOM = 70  # room for the figure right of the longest bar
ROW = 30
TOP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown (German or English number format)
    x: float
    y: float
    width: float
    height: float
    kind: str = "value"  # value | target: a CSS class, and the legend's words


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[str, float, float]] = field(default_factory=list)  # text, x, y
    axis: tuple[float, float, float, float] = (0, 0, 0, 0)  # x1, y1, x2, y2


def number(value: float, lang: str) -> str:
    """1234.5 → '1.234,5' (de) or '1,234.5' (en); whole numbers without decimals."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"


def _scale(values: list[float]) -> float:
    top = max([v for v in values if not math.isnan(v)] + [0.0])
    return top if top > 0 else 1.0


def horizontal(
    chart_id: str, title: str, desc: str, rows: list[tuple[str, float]], lang: str
) -> Chart:
    """One bar per row, label left, figure right of the bar."""
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    top = _scale([v for _, v in rows])
    chart = Chart(chart_id, title, desc, WIDTH, TOP * 2 + ROW * max(len(rows), 1))
    for index, (label, value) in enumerate(rows):
        y = TOP + index * ROW
        width = room * value / top
        chart.bars.append(
            Bar(short(label), value, number(value, lang), LABEL_WIDTH, y + 5, width, ROW - 10)
        )
    chart.axis = (LABEL_WIDTH, TOP / 2, LABEL_WIDTH, chart.height - TOP / 2)
    return chart


def paired(
    chart_id: str,
    title: str,
    desc: str,
    rows: list[tuple[str, float | None, float | None]],
    lang: str,
) -> Chart:
    """Two bars per row: the value (filled) and its target (outlined); None draws none."""
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    values = [v for _, a, b in rows for v in (a, b) if v is not None]
    top = _scale(values)
    row = ROW + 12
    chart = Chart(chart_id, title, desc, WIDTH, TOP * 2 + row * max(len(rows), 1))
    for index, (label, value, target) in enumerate(rows):
        y = TOP + index * row
        for offset, amount, kind in ((4, value, "value"), (20, target, "target")):
            if amount is None:
                continue
            chart.bars.append(
                Bar(
                    label,
                    amount,
                    number(amount, lang),
                    LABEL_WIDTH,
                    y + offset,
                    room * amount / top,
                    13,
                    kind,
                )
            )
        chart.labels.append((short(label), LABEL_WIDTH - 8, y + row / 2 + 2))
    chart.axis = (LABEL_WIDTH, TOP / 2, LABEL_WIDTH, chart.height - TOP / 2)
    return chart


def columns(
    chart_id: str, title: str, desc: str, rows: list[tuple[str, float]], lang: str
) -> Chart:
    """One column per row (a time series), its label below and its figure above."""
    height = 220
    base = height - 34
    room = base - 26
    top = _scale([v for _, v in rows])
    step = (WIDTH - 20) / max(len(rows), 1)
    chart = Chart(chart_id, title, desc, WIDTH, height)
    for index, (label, value) in enumerate(rows):
        bar_height = room * value / top
        x = 10 + index * step + step * 0.15
        chart.bars.append(
            Bar(label, value, number(value, lang), x, base - bar_height, step * 0.7, bar_height)
        )
    chart.axis = (5, base, WIDTH - 5, base)
    return chart
