"""A layered drawing of the power relations, computed here so the picture needs no JavaScript.

Parties are laid out in layers along the direction of power (active party above passive party,
a Sugiyama-style layering with back edges of cycles ignored and barycentre ordering within
layers); each connected group of parties is its own block, blocks are placed in rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from service.pages.relations import Relation

NODE_H = 34
LAYER_GAP = 120
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
    """Place every party of ``relations`` and route an edge for each drawable pair."""
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
    out_edges = [_route(rel, kind, s, t, directed, placed, i, bend)
                 for i, ((rel, kind, s, t, directed), bend) in enumerate(
                     zip(pairs, _bends(pairs), strict=True))]
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


def _route(rel: str, kind: str, s: str, t: str, directed: bool,
           placed: dict[str, tuple[float, float]], index: int, bend: float = 0.0) -> Edge:
    (x1, y1), (x2, y2) = placed[s], placed[t]
    half = NODE_H / 2
    if abs(y1 - y2) < 1:  # same layer: arc above the nodes
        lift = 46 + 8 * (index % 3) + abs(bend)
        sx, ex = (x1 + 10, x2 - 10) if x1 < x2 else (x1 - 10, x2 + 10)
        cx, cy = (x1 + x2) / 2, y1 - half - lift
        path = f"M{sx:.1f},{y1 - half:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{y2 - half:.1f}"
        return Edge(rel, kind, s, t, directed, path, cx, y1 - half - lift / 2)
    down = y2 > y1
    sy = y1 + half if down else y1 - half
    ey = y2 - half - (4 if directed else 0) if down else y2 + half + (4 if directed else 0)
    if not bend:
        path = f"M{x1:.1f},{sy:.1f} L{x2:.1f},{ey:.1f}"
        return Edge(rel, kind, s, t, directed, path, (x1 + x2) / 2, (sy + ey) / 2)
    # a quadratic curve whose control point sits off the midpoint, across the line
    dx, dy = x2 - x1, ey - sy
    length = max(1.0, (dx * dx + dy * dy) ** 0.5)
    mx, my = (x1 + x2) / 2, (sy + ey) / 2
    cx, cy = mx - dy / length * bend * 2, my + dx / length * bend * 2
    path = f"M{x1:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{ey:.1f}"
    # the curve's own midpoint lies halfway between the chord's midpoint and the control point
    return Edge(rel, kind, s, t, directed, path, (mx + cx) / 2, (my + cy) / 2)
