"""Chart geometry for the stats page: stacked bars of decisions per day, drawn as inline SVG."""
from dataclasses import dataclass

from moderation.vocabulary import DecisionAction

ACTIONS = tuple(DecisionAction)
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 680, 220, 36, 28, 10


@dataclass
class Segment:
    action: str
    x: float
    y: float
    width: float
    height: float
    count: int
    day: str


@dataclass
class Chart:
    width: int
    height: int
    segments: list[Segment]
    ticks: list[tuple[float, int]]
    labels: list[tuple[float, str]]
    baseline: float


def _scale_max(peak: int) -> int:
    """Round the busiest day up to a tidy axis maximum (at least 4)."""
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000):
        if peak <= step * 4:
            return step * 4
    return peak


def decisions_chart(series: list[dict]) -> Chart:
    """Lay out one stacked bar per day of ``series`` ([{day, approve, reject, escalate}])."""
    top = _scale_max(max([sum(day.get(a, 0) for a in ACTIONS) for day in series] or [0]))
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = (WIDTH - PAD_LEFT) / max(len(series), 1)
    segments, labels = [], []
    for i, day in enumerate(series):
        x, y = PAD_LEFT + i * slot + slot * 0.18, HEIGHT - PAD_BOTTOM
        for action in ACTIONS:
            count = day.get(action, 0)
            if count:
                h = plot_h * count / top
                y -= h
                segments.append(Segment(action, round(x, 1), round(y, 1), round(slot * 0.64, 1), round(h, 1),
                                        count, day["day"]))
        # Every other day is labelled when there are many, always including the latest.
        if (len(series) - 1 - i) % 2 == 0 or len(series) <= 7:
            labels.append((round(x + slot * 0.32, 1), day["day"][5:]))
    ticks = [(round(HEIGHT - PAD_BOTTOM - plot_h * n / 4, 1), top * n // 4) for n in range(5)]
    return Chart(WIDTH, HEIGHT, segments, ticks, labels, HEIGHT - PAD_BOTTOM)
