"""A process as an SVG picture: rows by depth from the start, the current step highlighted.

Drawn on the server (no JavaScript library): boxes for work steps, diamonds for gateways, pills
for start and end; edges point down, edges back up (a rejection to an earlier step) curve along
the side. Every text is escaped.
"""

from html import escape

from django.utils.safestring import mark_safe

from .choices import NodeType
from .spec import layers, successors

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 156, 44, 28, 64, 20
LEFT, RIGHT = 70, 80  # margins where edges that skip rows (left) and edges back up (right) run
COLORS = {
    "current": ("#1d4ed8", "#ffffff", "#1d4ed8"),
    "visited": ("#d1fae5", "#065f46", "#10b981"),
    "normal": ("#ffffff", "#1f2937", "#9ca3af"),
}


def render(spec, current=None, visited=()):
    """SVG markup for `spec`; `current` is the node id to highlight, `visited` the ids already passed."""
    nodes = {n["id"]: n for n in spec.get("nodes", [])}
    if not nodes:
        return ""
    depth = layers(spec)
    rows = {}
    for node_id in nodes:
        rows.setdefault(depth.get(node_id, 0), []).append(node_id)
    widest = max(len(r) for r in rows.values())
    width = LEFT + widest * BOX_W + (widest - 1) * GAP_X + RIGHT
    height = PAD * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y
    pos = {}
    for row, ids in rows.items():
        row_width = len(ids) * BOX_W + (len(ids) - 1) * GAP_X
        left = LEFT + (width - LEFT - RIGHT - row_width) / 2
        for i, node_id in enumerate(ids):
            pos[node_id] = (left + i * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
    parts = [
        f'<svg class="flow-diagram" viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
        f'style="max-width:{width:.0f}px" role="img" xmlns="http://www.w3.org/2000/svg">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>',
    ]
    lanes = {"left": 0, "right": 0}
    for node_id, node in nodes.items():
        for target, label in successors(node):
            if target not in pos:
                continue
            lane = "right" if pos[target][1] <= pos[node_id][1] else "left" if _blocked(pos[node_id], pos[target], pos) else ""
            parts.append(_edge(pos[node_id], pos[target], label, width, lane, lanes.get(lane, 0)))
            if lane:
                lanes[lane] += 1
    for node_id, node in nodes.items():
        state = "current" if node_id == current else "visited" if node_id in visited else "normal"
        parts.append(_node(node, *pos[node_id], state))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  every text inside is escaped


def _blocked(source, target, pos):
    """Whether a box in a row between source and target stands where a straight edge would run."""
    (sx, sy), (tx, ty) = source, target
    xs = (sx + BOX_W / 2, tx + BOX_W / 2)
    return any(sy < y < ty and any(x - 8 <= line <= x + BOX_W + 8 for line in xs) for x, y in pos.values())


def _edge(source, target, label, width, lane, index):
    (sx, sy), (tx, ty) = source, target
    x1, y1 = sx + BOX_W / 2, sy + BOX_H
    x2, y2 = tx + BOX_W / 2, ty
    text = ""
    if lane == "right":
        # Back up the page: along the right margin.
        x1, y1 = sx + BOX_W, sy + BOX_H / 2
        x2, y2 = tx + BOX_W, ty + BOX_H / 2
        out = width - 30 + (index % 3) * 8
        path = f"M{x1:.0f},{y1:.0f} C{out:.0f},{y1:.0f} {out:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        lx, ly, anchor = out - 10, (y1 + y2) / 2, "middle"
    elif lane == "left":
        # Down past the rows in between: along the left margin, so no box hides the edge.
        x1, y1 = sx, sy + BOX_H / 2
        x2, y2 = tx, ty + BOX_H / 2
        out = 14 + (index % 3) * 10
        path = f"M{x1:.0f},{y1:.0f} C{out:.0f},{y1:.0f} {out:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
        lx, ly, anchor = 0.25 * x1 + 0.75 * out + 4, (y1 + y2) / 2, "start"
    else:
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + GAP_Y / 2:.0f} {x2:.0f},{y2 - GAP_Y / 2:.0f} {x2:.0f},{y2:.0f}"
        lx, ly, anchor = (x1 + x2) / 2, (y1 + y2) / 2, "middle"
    if label:
        short = label if len(label) <= 12 else label[:11] + "…"
        text = (f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="11" fill="#b45309" text-anchor="{anchor}" '
                f'paint-order="stroke" stroke="#f4f6f9" stroke-width="4">{escape(short)}</text>')
    return (f'<path d="{path}" fill="none" stroke="#9ca3af" stroke-width="1.5" marker-end="url(#arrow)"/>'
            f"{text}")


def _node(node, x, y, state):
    fill, ink, stroke = COLORS[state]
    kind = node.get("type")
    cx, cy = x + BOX_W / 2, y + BOX_H / 2
    if kind == NodeType.GATEWAY:
        shape = (f'<polygon points="{cx:.0f},{y:.0f} {x + BOX_W:.0f},{cy:.0f} {cx:.0f},{y + BOX_H:.0f} '
                 f'{x:.0f},{cy:.0f}" fill="{fill if state != "normal" else "#fef3c7"}" stroke="{stroke}"/>')
    elif kind in (NodeType.START, NodeType.END):
        shape = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="22" '
                 f'fill="{fill if state != "normal" else "#f3f4f6"}" stroke="{stroke}"/>')
    else:
        dash = ' stroke-dasharray="5 3"' if kind == NodeType.AUTO else ""
        double = (f'<rect x="{x + 4:.0f}" y="{y + 4:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
                  f'stroke="{stroke}"/>') if kind == NodeType.COUNTERSIGN else ""
        shape = (f'{double}<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" '
                 f'stroke="{stroke}"{dash}/>')
    name = node.get("name") or node.get("id")
    name = name if len(name) <= 11 else name[:10] + "…"
    weight = ' font-weight="600"' if state == "current" else ""
    title = f"<title>{escape(node.get('name', ''))}</title>"
    return (f'<g data-node="{escape(node["id"])}">{title}{shape}<text x="{cx:.0f}" y="{cy + 5:.0f}" font-size="13" '
            f'text-anchor="middle" fill="{ink}"{weight}>{escape(name)}</text></g>')
