"""The process diagram as inline SVG, drawn on the server from the process definition.

Chosen over shipping mermaid.js: it needs no JavaScript (the page works without it),
no 3 MB vendored bundle and no network, it is readable by screen readers (a title, a
description, and text in every box), and the current stage is marked by fill, border,
bold text and the word "current", so not by colour alone. The API keeps serving the
Mermaid text of the same definition (workflows.diagram.mermaid).

Layout: the main path (from the initial stage, always preferring a non-final next
stage) on one row; the other stages (rejected, withdrawn) on a row below; steps
between neighbours as arrows, steps back as arcs above, steps down as lines.
"""

from __future__ import annotations

import itertools
import textwrap
from html import escape

from markupsafe import Markup

from workflows.definition import Process

BOX_W, BOX_H, GAP = 150, 58, 120
TOP, ROW2 = 70, 250
MARGIN = 20


def main_path(process: Process) -> list[str]:
    path = [process.initial]
    while True:
        steps = [s for s in process.steps_from(path[-1]) if s.dest not in path]
        if not steps:
            return path
        steps.sort(key=lambda s: process.stage(s.dest).final)  # stable: definition order
        path.append(steps[0].dest)


def _text(x: float, y: float, text: str, width: int, cls: str, line: int = 15) -> str:
    lines = textwrap.wrap(text, width) or [text]
    first = y - (len(lines) - 1) * line / 2
    spans = "".join(
        f'<tspan x="{x:.0f}" y="{first + i * line:.0f}">{escape(t)}</tspan>'
        for i, t in enumerate(lines)
    )
    return f'<text class="{cls}" text-anchor="middle" dominant-baseline="middle">{spans}</text>'


def svg(process: Process, current: str, lang: str, title: str, current_word: str) -> Markup:
    main = main_path(process)
    others = [s.name for s in process.stages if s.name not in main]
    pos: dict[str, tuple[float, float]] = {}
    for i, name in enumerate(main):
        pos[name] = (MARGIN + i * (BOX_W + GAP), TOP)
    for name in others:
        sources = [
            i for i, m in enumerate(main) for s in process.steps if s.dest == name and m in s.source
        ]
        centre = sum(sources) / len(sources) if sources else 0
        pos[name] = (MARGIN + centre * (BOX_W + GAP), ROW2)
    # keep the lower row's boxes apart
    lower = sorted(others, key=lambda n: pos[n][0])
    for a, b in itertools.pairwise(lower):
        if pos[b][0] - pos[a][0] < BOX_W + GAP / 2:
            pos[b] = (pos[a][0] + BOX_W + GAP / 2, ROW2)
    width = max(x for x, _ in pos.values()) + BOX_W + MARGIN
    height = ROW2 + BOX_H + 40

    edges: list[str] = []
    for step in process.steps:
        label = process.step_label(step.trigger, lang)
        for source in step.source:
            sx, sy = pos[source]
            dx, dy = pos[step.dest]
            if sy == dy and source in main and step.dest in main:
                i, j = main.index(source), main.index(step.dest)
                if j == i + 1:
                    x1, x2, y = sx + BOX_W, dx - 4, sy + BOX_H / 2
                    edges.append(f'<path class="edge" d="M{x1:.0f},{y:.0f} H{x2:.0f}"/>')
                    edges.append(_text((x1 + x2) / 2, y - 22, label, 16, "edge-label", 13))
                else:  # a step back: an arc above the row
                    x1, x2 = sx + BOX_W / 2, dx + BOX_W / 2
                    top = sy - 50
                    edges.append(
                        f'<path class="edge" d="M{x1:.0f},{sy:.0f} C{x1:.0f},{top:.0f} '
                        f'{x2:.0f},{top:.0f} {x2:.0f},{sy - 4:.0f}"/>'
                    )
                    edges.append(_text((x1 + x2) / 2, top + 2, label, 40, "edge-label", 13))
            else:
                x1, y1 = sx + BOX_W / 2, sy + BOX_H
                x2, y2 = dx + BOX_W / 2, dy - 4
                edges.append(f'<path class="edge" d="M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"/>')
        if step.dest not in main:  # one label per step down, beside its most direct line
            sx, sy = min((pos[s] for s in step.source), key=lambda p: abs(p[0] - pos[step.dest][0]))
            dx, dy = pos[step.dest]
            x, y = (sx + dx) / 2 + BOX_W / 2 + 8, (sy + BOX_H + dy) / 2
            edges.append(
                f'<text class="edge-label side" x="{x:.0f}" y="{y:.0f}" '
                f'dominant-baseline="middle">{escape(label)}</text>'
            )

    boxes: list[str] = []
    for stage in process.stages:
        x, y = pos[stage.name]
        is_current = stage.name == current
        classes = "stage" + (" final" if stage.final else "") + (" current" if is_current else "")
        name = stage.label(lang)
        box = [
            f'<g class="{classes}" data-stage="{escape(stage.name)}">',
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="10"/>',
            _text(x + BOX_W / 2, y + BOX_H / 2, name, 18, "stage-label"),
        ]
        if is_current:
            box.append(
                f'<text class="current-word" x="{x + BOX_W / 2:.0f}" y="{y + BOX_H + 18:.0f}" '
                f'text-anchor="middle">▲ {escape(current_word)}</text>'
            )
        box.append("</g>")
        boxes.append("".join(box))

    return Markup(
        f'<svg class="diagram" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="diagram-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="diagram-title">{escape(title)}</title>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        "</defs>" + "".join(edges) + "".join(boxes) + "</svg>"
    )
