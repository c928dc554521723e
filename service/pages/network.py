"""A layered drawing of the power relations, computed here so the picture needs no JavaScript.

Parties are laid out in layers along the direction of power (active party above passive party,
a Sugiyama-style layering with back edges of cycles ignored and barycentre ordering within
layers); each connected group of parties is its own block, blocks are placed in rows.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass

from service.pages.relations import Relation

NODE_H = 34
LAYER_GAP = 140  # room for the labels of several relations between two layers
NODE_GAP = 28
BLOCK_GAP = 60
MAX_WIDTH = 1180
CHAR_W = 7.2
PARALLEL_GAP = 26


@dataclass(frozen=True)
class Node:
    iri: str
    label: str
    x: float  # centre
    y: float  # centre
    w: float
    h: float = NODE_H


@dataclass(frozen=True)
class Edge:
    relation: str
    type: str
    source: str
    target: str
    directed: bool
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Network:
    width: float
    height: float
    nodes: list[Node]
    edges: list[Edge]


def edges_of(relations: list[Relation], offices: set[str]) -> list[tuple[str, str, str, str, bool]]:
    """(relation, type, source, target, directed) for every drawable pair.

    An office that is only the context of a relation between people (an appointment to it, a
    succession in it) is left out: the edge between the people already says it.
    """
    out = []
    for rel in relations:
        objects = rel.objects
        if any(o not in offices for o in objects):
            objects = [o for o in objects if o not in offices]
        for s in rel.subjects:
            out.extend((rel.iri, rel.type, s, o, True) for o in objects)
        for i, a in enumerate(rel.rivals):
            out.extend((rel.iri, rel.type, a, b, False) for b in rel.rivals[i + 1:])
    return out


def layout(relations: list[Relation], labels: dict[str, str], offices: set[str]) -> Network:
    """Place every party of ``relations``, route an edge for each drawable pair and place its
    label (``labels`` names the parties and the kinds of relation) clear of the others."""
    pairs = edges_of(relations, offices)
    nodes = sorted({p for _, _, s, t, _ in pairs for p in (s, t)})
    width_of = {n: max(80.0, CHAR_W * len(labels.get(n, n)) + 22) for n in nodes}
    blocks = [_layer_block(c, pairs, width_of) for c in _components(nodes, pairs)]
    blocks.sort(key=lambda b: (-len(b[0]), min(b[0])))

    placed: dict[str, tuple[float, float]] = {}
    x0 = y0 = row_h = 0.0
    total_w = 0.0
    for positions, bw, bh in blocks:
        if x0 > 0 and x0 + bw > MAX_WIDTH:
            x0, y0, row_h = 0.0, y0 + row_h + BLOCK_GAP, 0.0
        for n, (x, y) in positions.items():
            placed[n] = (x0 + x + 20, y0 + y + 30)
        x0 += bw + BLOCK_GAP
        row_h = max(row_h, bh)
        total_w = max(total_w, x0 - BLOCK_GAP)
    out_nodes = [Node(n, labels.get(n, n), *placed[n], width_of[n]) for n in nodes]
    routed = [_route(rel, kind, s, t, directed, placed, i, bend)
              for i, ((rel, kind, s, t, directed), bend) in enumerate(
                  zip(pairs, _bends(pairs), strict=True))]
    out_edges = place_labels([e for e, _ in routed], [c for _, c in routed], out_nodes,
                             [labels.get(e.type, e.type) for e, _ in routed])
    return Network(total_w + 40, y0 + row_h + 60, out_nodes, out_edges)


def _components(nodes: list[str], pairs: list) -> list[list[str]]:
    neighbours: dict[str, set[str]] = defaultdict(set)
    for _, _, s, t, _ in pairs:
        neighbours[s].add(t)
        neighbours[t].add(s)
    seen: set[str] = set()
    groups = []
    for start in nodes:
        if start in seen:
            continue
        stack, group = [start], []
        seen.add(start)
        while stack:
            n = stack.pop()
            group.append(n)
            for m in sorted(neighbours[n] - seen):
                seen.add(m)
                stack.append(m)
        groups.append(sorted(group))
    return groups


def _layer_block(group: list[str], pairs: list, width_of: dict[str, float]):
    """Positions (relative to the block) for one connected group, and the block's size."""
    members = set(group)
    succ: dict[str, list[str]] = defaultdict(list)
    for _, _, s, t, directed in pairs:
        if directed and s in members and s != t:
            succ[s].append(t)
    # Break cycles: a depth-first search from the busiest nodes drops edges back to its path.
    order = sorted(group, key=lambda n: (-len(succ[n]), n))
    state: dict[str, int] = {}
    dag: dict[str, list[str]] = defaultdict(list)

    def visit(n: str) -> None:
        state[n] = 1
        for m in sorted(set(succ[n])):
            if state.get(m) == 1:
                continue  # a back edge: ignored for layering, still drawn
            dag[n].append(m)
            if m not in state:
                visit(m)
        state[n] = 2

    for n in order:
        if n not in state:
            visit(n)
    # Longest-path layering: a node sits one layer below its lowest parent.
    layer = {n: 0 for n in group}
    for _ in group:
        changed = False
        for n in group:
            for m in dag[n]:
                if layer[m] < layer[n] + 1:
                    layer[m] = layer[n] + 1
                    changed = True
        if not changed:
            break
    layers: dict[int, list[str]] = defaultdict(list)
    for n in sorted(group):
        layers[layer[n]].append(n)
    # Barycentre sweeps: order each layer by the mean position of its neighbours.
    neighbours: dict[str, set[str]] = defaultdict(set)
    for _, _, s, t, _ in pairs:
        if s in members:
            neighbours[s].add(t)
            neighbours[t].add(s)
    for _ in range(4):
        for k in sorted(layers):
            pos = {n: i for lay in layers.values() for i, n in enumerate(lay)}
            layers[k].sort(key=lambda n: (
                sum(pos[m] for m in neighbours[n]) / len(neighbours[n]) if neighbours[n] else 0, n))
    rows = [layers[k] for k in sorted(layers)]
    row_widths = [sum(width_of[n] for n in row) + NODE_GAP * (len(row) - 1) for row in rows]
    block_w = max(row_widths)
    positions = {}
    for k, (row, rw) in enumerate(zip(rows, row_widths, strict=True)):
        x = (block_w - rw) / 2
        for n in row:
            positions[n] = (x + width_of[n] / 2, k * LAYER_GAP)
            x += width_of[n] + NODE_GAP
    return positions, block_w, (len(rows) - 1) * LAYER_GAP + NODE_H


def _bends(pairs: list) -> list[float]:
    """How far each edge bows out of the straight line, so that several relations between the
    same two parties (a succession, a removal, a rivalry) are drawn apart, labels included."""
    groups: dict[frozenset, list[int]] = defaultdict(list)
    for i, (_, _, s, t, _) in enumerate(pairs):
        groups[frozenset((s, t))].append(i)
    bends = [0.0] * len(pairs)
    for members in groups.values():
        for k, i in enumerate(members):
            # alternate sides, in the same sense whatever the edge's direction
            _, _, s, t, _ = pairs[i]
            sign = 1 if s < t else -1
            bends[i] = (k - (len(members) - 1) / 2) * PARALLEL_GAP * sign
    return bends


#: Edge labels' size as drawn (11px, with a 4px halo): a generous estimate of the browser's.
LABEL_CHAR_W = 6.6
LABEL_H = 15.0
LABEL_ASCENT = 11.0  # from the top of the box to the baseline the label's y names
#: Where along its edge a label may sit (fractions of the curve), in order of preference, and
#: how far off the curve it may be moved.
LABEL_STOPS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8)
LABEL_NUDGES = (0.0, -9.0, 9.0)

Box = tuple[float, float, float, float]  # left, top, right, bottom
Curve = tuple[tuple[float, float], tuple[float, float], tuple[float, float]]


def _route(rel: str, kind: str, s: str, t: str, directed: bool,
           placed: dict[str, tuple[float, float]], index: int, bend: float = 0.0
           ) -> tuple[Edge, Curve]:
    """The edge from ``s`` to ``t`` as a path, its label at the middle, and its curve (a
    quadratic Bézier: start, control, end) for placing the label elsewhere on it."""
    (x1, y1), (x2, y2) = placed[s], placed[t]
    half = NODE_H / 2
    if abs(y1 - y2) < 1:  # same layer: arc above the nodes
        lift = 46 + 8 * (index % 3) + abs(bend)
        sx, ex = (x1 + 10, x2 - 10) if x1 < x2 else (x1 - 10, x2 + 10)
        curve: Curve = ((sx, y1 - half), ((x1 + x2) / 2, y1 - half - lift), (ex, y2 - half))
    else:
        down = y2 > y1
        sy = y1 + half if down else y1 - half
        ey = y2 - half - (4 if directed else 0) if down else y2 + half + (4 if directed else 0)
        # a quadratic curve whose control point sits off the midpoint, across the line
        dx, dy = x2 - x1, ey - sy
        length = max(1.0, (dx * dx + dy * dy) ** 0.5)
        mx, my = (x1 + x2) / 2, (sy + ey) / 2
        control = (mx - dy / length * bend * 2, my + dx / length * bend * 2)
        curve = ((x1, sy), control, (x2, ey))
    (ax, ay), (cx, cy), (bx, by) = curve
    if bend or abs(y1 - y2) < 1:
        path = f"M{ax:.1f},{ay:.1f} Q{cx:.1f},{cy:.1f} {bx:.1f},{by:.1f}"
    else:
        path = f"M{ax:.1f},{ay:.1f} L{bx:.1f},{by:.1f}"
    lx, ly = _at(curve, 0.5)
    return Edge(rel, kind, s, t, directed, path, lx, ly), curve


def _at(curve: Curve, t: float) -> tuple[float, float]:
    """The point of a quadratic Bézier curve at ``t`` (a straight line has its control point
    on the line, so the same formula serves)."""
    (ax, ay), (cx, cy), (bx, by) = curve
    u = 1 - t
    return (u * u * ax + 2 * u * t * cx + t * t * bx, u * u * ay + 2 * u * t * cy + t * t * by)


LABEL_MARGIN = 3.0  # kept clear around a label


def _label_box(x: float, y: float, text: str) -> Box:
    w = LABEL_CHAR_W * len(text) + 6 + 2 * LABEL_MARGIN
    top = y - LABEL_ASCENT - LABEL_MARGIN
    return (x - w / 2, top, x + w / 2, top + LABEL_H + 2 * LABEL_MARGIN)


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def place_labels(edges: list[Edge], curves: list[Curve], nodes: list[Node],
                 labels: list[str]) -> list[Edge]:
    """Move each edge's label along its edge (and a little off it) to the first place where it
    covers no box and no label placed before it; where there is none, to the least covered.

    Several relations between the same two parties (a removal, a rivalry, a succession) and a
    long edge passing a box would otherwise print their labels on top of each other.
    """
    taken: list[Box] = [(n.x - n.w / 2, n.y - n.h / 2, n.x + n.w / 2, n.y + n.h / 2)
                        for n in nodes]
    out = []
    for edge, curve, text in zip(edges, curves, labels, strict=True):
        best: tuple[float, float, float, Box] | None = None
        for stop in LABEL_STOPS:
            x, y = _at(curve, stop)
            for nudge in LABEL_NUDGES:
                box = _label_box(x, y + nudge, text)
                covered = sum(_overlap(box, other) for other in taken)
                if best is None or covered < best[0]:
                    best = (covered, x, y + nudge, box)
                if covered == 0:
                    break
            if best is not None and best[0] == 0:
                break
        assert best is not None
        _, x, y, box = best
        taken.append(box)
        out.append(dataclasses.replace(edge, label_x=x, label_y=y))
    return out
