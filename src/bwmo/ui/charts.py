"""Server-rendered SVG charts: no scripts, no CDN, readable by screen readers via a table."""

from dataclasses import dataclass
from decimal import Decimal

from bwmo.rules.suppression import MARK


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    values: list[Decimal]


def grouped_bars(
    *,
    categories: list[str],
    series: list[Series],
    width: int = 900,
    height: int = 320,
    unit: str = "euro",
) -> dict:
    """Geometry for a grouped bar chart; the template draws it.

    ``unit`` is ``"euro"`` or ``"count"``. A value ``"×"`` (suppressed) is drawn as a hatched
    bar of a fixed small height with ``hidden`` set, its title saying it is hidden.
    """
    left, right, top, bottom = 80, 10, 10, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [v for s in series for v in s.values if v != MARK]
    peak = max([*numbers, Decimal(1)])
    step = _nice_step(peak)
    top_value = step * ((peak // step) + 1)
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    bars = []
    for i, category in enumerate(categories):
        for j, s in enumerate(series):
            value = s.values[i]
            hidden = value == MARK  # hidden: a hatched bar labelled as such, never 0
            if hidden:
                # Tall enough to see and to hover, not a height anyone can read a number from.
                h = max(plot_h * 0.04, 6.0)
                text = "afgeschermd"
            else:
                h = float(max(value, Decimal(0)) / top_value) * plot_h
                text = f"€ {value:,.0f}" if unit == "euro" else f"{value:,}"
            bars.append(
                {
                    "x": round(left + i * group_w + group_w * 0.1 + j * bar_w, 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar_w * 0.92, 1),
                    "h": round(h, 1),
                    "css": s.css_class,
                    "hidden": hidden,
                    "label_y": round(top + plot_h - h - 3, 1),
                    "title": f"{category} · {s.label}: {text}".replace(",", "."),
                }
            )
    ticks = []
    value = Decimal(0)
    while value <= top_value:
        ticks.append(
            {
                "y": round(top + plot_h - float(value / top_value) * plot_h, 1),
                "label": _euro_short(value) if unit == "euro" else f"{value:.0f}",
            }
        )
        value += step
    labels = [
        {"x": round(left + (i + 0.5) * group_w, 1), "y": top + plot_h + 16, "text": category}
        for i, category in enumerate(categories)
    ]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "left": left,
        "plot_right": left + plot_w,
        "legend": series,
        "any_hidden": any(bar["hidden"] for bar in bars),
    }


def _nice_step(peak: Decimal) -> Decimal:
    raw = peak / 5
    magnitude = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for factor in (1, 2, 5, 10):
        if raw <= magnitude * factor:
            return magnitude * factor
    return magnitude * 10


def _euro_short(value: Decimal) -> str:
    if value >= 1_000_000:
        return f"€ {value / 1_000_000:.1f} mln".replace(".", ",")
    if value >= 1_000:
        return f"€ {value / 1_000:.0f}k"
    return f"€ {value:.0f}"


def fan_chart(
    *,
    history: list[tuple[int, float]],
    fan: list[tuple[int, float, float, float]],
    width: int = 900,
    height: int = 320,
    unit: str = "count",
    partial_year: int | None = None,
    partial_label: str = "",
) -> dict:
    """Geometry for a fan chart: the past as a line, the forecast as a P10–P90 band with its
    P50 line. ``history``: (year, value); ``fan``: (year, p10, p50, p90). The template draws
    it; the same figures are in a table next to it for screen readers. ``partial_year``: a
    year of the history that is not over yet; its point is drawn open and its axis label
    reads ``partial_label`` (for example "2026*")."""
    left, right, top, bottom = 80, 20, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    years = sorted({y for y, _v in history} | {y for y, *_rest in fan})
    if not years:
        return {"width": width, "height": height, "empty": True}
    peak = max(
        [Decimal(1)]
        + [Decimal(str(v)) for _y, v in history]
        + [Decimal(str(p90)) for _y, _p10, _p50, p90 in fan]
    )
    step = _nice_step(peak)
    top_value = float(step * ((peak // step) + 1))
    span = max(len(years) - 1, 1)

    def x(year: int) -> float:
        return round(left + (years.index(year) / span) * plot_w, 1)

    def y(value: float) -> float:
        return round(top + plot_h - max(value, 0.0) / top_value * plot_h, 1)

    # The band starts where the history ends, so the fan opens from the last known year.
    joined = list(fan)
    if history and fan:
        last_year, last_value = history[-1]
        joined = [(last_year, last_value, last_value, last_value), *fan]
    band = [f"{x(yr)},{y(p90)}" for yr, _a, _b, p90 in joined] + [
        f"{x(yr)},{y(p10)}" for yr, p10, _b, _c in reversed(joined)
    ]
    ticks = []
    value = 0.0
    while value <= top_value + 1e-9:
        label = _euro_short(Decimal(str(value))) if unit == "euro" else f"{value:.0f}"
        ticks.append({"y": y(value), "label": label})
        value += float(step)
    return {
        "width": width,
        "height": height,
        "empty": False,
        "left": left,
        "plot_right": left + plot_w,
        "band": " ".join(band),
        "median": " ".join(f"{x(yr)},{y(p50)}" for yr, _a, p50, _c in joined),
        "history": " ".join(f"{x(yr)},{y(v)}" for yr, v in history),
        "points": [
            {
                "x": x(yr),
                "y": y(v),
                "title": f"{partial_label if yr == partial_year else yr}: {v:,.0f}".replace(
                    ",", "."
                ),
                "partial": yr == partial_year,
            }
            for yr, v in history
        ],
        "ticks": ticks,
        "labels": [
            {
                "x": x(yr),
                "y": top + plot_h + 18,
                "text": partial_label if yr == partial_year and partial_label else str(yr),
            }
            for yr in years
        ],
    }
