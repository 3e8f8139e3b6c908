"""Geometry of the dashboards' SVG charts, drawn by the templates on the
server so that pages need no script and no internet access."""

import math

WIDTH = 720
HEIGHT = 220
LEFT = 40
RIGHT = WIDTH - 10
TOP = 10
BOTTOM = HEIGHT - 30
TICKS = 4


def _nice_maximum(value: int) -> int:
    """Return the top of the axis: TICKS times a round step (1, 2 or 5 times a
    power of ten), at or above `value`, so that every tick is a whole number."""
    raw_step = max(value, 1) / TICKS
    magnitude = 10 ** math.floor(math.log10(raw_step)) if raw_step >= 1 else 1
    for multiple in (1, 2, 5, 10):
        step = multiple * magnitude
        if step >= raw_step:
            return step * TICKS
    return 10 * magnitude * TICKS


def daily_chart(series: list[dict]) -> dict:
    """Bars of parts received and a line of parts fulfilled, one slot per day."""
    top_value = _nice_maximum(
        max(
            [day["received"] for day in series]
            + [day["fulfilled"] for day in series]
            + [0]
        )
    )
    plot_height = BOTTOM - TOP
    slot = (RIGHT - LEFT) / max(len(series), 1)

    def y(value: int) -> float:
        return round(BOTTOM - plot_height * value / top_value, 1)

    bars, points, labels = [], [], []
    # Label at most about 12 days so the dates do not overlap.
    label_every = max(1, math.ceil(len(series) / 12))
    for index, day in enumerate(series):
        x = LEFT + slot * index
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": y(day["received"]),
                "width": round(slot * 0.7, 1),
                "height": round(BOTTOM - y(day["received"]), 1),
                "day": day["day"],
                "received": day["received"],
            }
        )
        points.append(f"{round(x + slot / 2, 1)},{y(day['fulfilled'])}")
        if index % label_every == 0:
            labels.append(
                {"x": round(x + slot / 2, 1), "text": day["day"].strftime("%d/%m")}
            )
    ticks = [
        {"y": y(top_value * n // TICKS), "value": top_value * n // TICKS}
        for n in range(TICKS + 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "label_y": HEIGHT - 10,
        "bars": bars,
        "line": " ".join(points),
        "labels": labels,
        "ticks": ticks,
    }
