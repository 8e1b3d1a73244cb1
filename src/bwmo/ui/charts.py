"""Server-rendered SVG charts: no scripts, no CDN, readable by screen readers via a table."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Series:
    label: str
    css_class: str
    values: list[Decimal]


HIDDEN = "<5"
"""A value the audience may not see: drawn as a hatched bar labelled as hidden, never as 0."""


def grouped_bars(
    *,
    categories: list[str],
    series: list[Series],
    width: int = 900,
    height: int = 320,
    unit: str = "euro",
) -> dict:
    """Geometry for a grouped bar chart; the template draws it.

    ``unit`` is ``"euro"`` or ``"count"``. A value ``"<5"`` (suppressed) is drawn as a hatched
    bar of a fixed small height with ``hidden`` set, its title saying it is hidden.
    """
    left, right, top, bottom = 80, 10, 10, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [v for s in series for v in s.values if v != HIDDEN]
    peak = max([*numbers, Decimal(1)])
    step = _nice_step(peak)
    top_value = step * ((peak // step) + 1)
    group_w = plot_w / max(len(categories), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    bars = []
    for i, category in enumerate(categories):
        for j, s in enumerate(series):
            value = s.values[i]
            hidden = value == HIDDEN
            if hidden:
                # Tall enough to see and to hover, not a height anyone can read a number from.
                h = max(plot_h * 0.04, 6.0)
                text = "<5 (afgeschermd)"
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
