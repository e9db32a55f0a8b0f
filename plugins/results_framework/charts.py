"""Trend charts drawn on the server as small inline SVG (no script, a few hundred bytes: light on slow
links, and WeasyPrint draws the same markup in the PDF). Each chart carries a <title> and
<desc> for screen readers; pages also show the figures as a table."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 320, 120, 24


@dataclass
class Point:
    label: str                   # the period, e.g. "Q3 2026"
    value: Decimal | float | None
    target: Decimal | float | None = None


def _number(value) -> str:
    number = float(value)
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


def trend_svg(points: list[Point], *, title: str, description: str, ident: str = "trend",
              colour: str = "#1d6f42") -> Markup:
    """`ident` keeps the ids of several charts on one page apart. A line of the values (gaps where a period has none) over dashed target steps, periods along
    the bottom, the last value written at its point."""
    values = [float(p.value) for p in points if p.value is not None]
    targets = [float(p.target) for p in points if p.target is not None]
    top = max(values + targets + [1.0]) * 1.1
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return PAD + index * step

    def y(value) -> float:
        return HEIGHT - PAD - (float(value) / top) * (HEIGHT - 2 * PAD)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="100%" role="img" aria-labelledby="{ident}-t {ident}-d">'
             f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description)}</desc>',
             f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>']
    target_points = [(x(i), y(p.target)) for i, p in enumerate(points) if p.target is not None]
    if target_points:
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in target_points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#b35900" stroke-dasharray="4 3"/>')
    segment: list[str] = []
    segments = []
    for i, p in enumerate(points):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{x(i):.1f},{y(p.value):.1f}")
        parts.append(f'<circle cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="3" fill="{colour}"/>')
    if segment:
        segments.append(segment)
    for line in segments:
        parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for i, p in enumerate(points):
        if len(points) <= 6 or i in (0, len(points) - 1) or i % max(len(points) // 4, 1) == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 6}" font-size="9" text-anchor="middle">'
                         f'{escape(p.label)}</text>')
    last = next(((i, p) for i, p in reversed(list(enumerate(points))) if p.value is not None), None)
    if last is not None:
        i, p = last
        parts.append(f'<text x="{x(i):.1f}" y="{max(y(p.value) - 6, 10):.1f}" font-size="10" text-anchor="end">'
                     f'{escape(_number(p.value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
