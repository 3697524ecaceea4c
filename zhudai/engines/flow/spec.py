"""Process definitions as data: the node format and its validation.

A version's spec is {"nodes": [node, …]}; every node has an "id", a "type" (NodeType) and a
"name". By type:

- start: "next".
- task / countersign: "handlers" (handler rules, see handlers.py), "next", optional "reject_to"
  (a node; without it a rejection ends the instance as rejected), "limit_hours" and
  "working_hours", "actions" (subset of TASK_ACTIONS), "allow_self_approval", "editable_fields",
  "required_documents", "status" (a subject status the domain sets on entry), "cc" (handler
  rules of people the instance is copied to). A countersign also has "policy" (all / any / n),
  "n", and "veto" (one rejection rejects at once; otherwise the node rejects when its approvals
  can no longer be reached).
- auto: "action" (one of the adapter's automatic actions), "next", optional "reject_to".
- gateway: "branches" [{"condition", "to", "label"}] tried in order, and "default".
- end: "result" (approved / rejected / withdrawn).

validate() returns every problem as a Chinese sentence; an empty list means publishable.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhudai.core.expressions import compile_expression

from .choices import TASK_ACTIONS, Action, EndResult, HandlerKind, NodeType, Policy

WORK_NODES = {NodeType.TASK, NodeType.COUNTERSIGN}


def successors(node):
    """[(target id, label)] of the edges leaving a node, in drawing order."""
    kind = node.get("type")
    edges = []
    if kind == NodeType.GATEWAY:
        for branch in node.get("branches", []):
            edges.append((branch.get("to"), branch.get("label") or branch.get("condition", "")))
        edges.append((node.get("default"), _("其他")))
    elif kind != NodeType.END:
        edges.append((node.get("next"), ""))
        if node.get("reject_to"):
            edges.append((node["reject_to"], _("拒绝")))
    return [(target, label) for target, label in edges if target]


def validate(spec, adapter):
    """Every problem of `spec` for the subject described by `adapter`, as sentences."""
    from zhudai.accounts.models import Role, User

    problems = []
    nodes = spec.get("nodes") if isinstance(spec, dict) else None
    if not nodes:
        return [_("流程没有任何环节。")]
    by_id = {}
    for node in nodes:
        node_id = str(node.get("id", "")).strip()
        if not node_id:
            problems.append(_("有环节没有代码。"))
            continue
        if node_id in by_id:
            problems.append(_("环节代码“%(id)s”重复。") % {"id": node_id})
        by_id[node_id] = node
    starts = [n for n in by_id.values() if n.get("type") == NodeType.START]
    if len(starts) != 1:
        problems.append(_("流程必须有且只有一个开始环节。"))
    if not any(n.get("type") == NodeType.END for n in by_id.values()):
        problems.append(_("流程至少需要一个结束环节。"))
    roles = set(Role.objects.values_list("code", flat=True))
    schema = adapter.schema()
    for node_id, node in by_id.items():
        problems.extend(_node_problems(node_id, node, by_id, adapter, schema, roles, User))
    if starts and not problems:
        problems.extend(_graph_problems(starts[0]["id"], by_id))
    return problems


def _name(node_id, node):
    return f"“{node.get('name') or node_id}”"


def _node_problems(node_id, node, by_id, adapter, schema, roles, User):
    kind = node.get("type")
    here = _name(node_id, node)
    problems = []
    if kind not in NodeType.values:
        return [_("环节%(n)s的类型“%(t)s”无效。") % {"n": here, "t": kind}]
    if not str(node.get("name", "")).strip():
        problems.append(_("环节“%(id)s”没有名称。") % {"id": node_id})
    for target, _label in successors(node):
        if target not in by_id:
            problems.append(_("环节%(n)s指向不存在的环节“%(t)s”。") % {"n": here, "t": target})
    if kind in (NodeType.START, NodeType.AUTO, *WORK_NODES) and not node.get("next"):
        problems.append(_("环节%(n)s没有下一环节。") % {"n": here})
    if kind == NodeType.END and node.get("result") not in EndResult.values:
        problems.append(_("结束环节%(n)s需要选择结果（通过/拒绝/撤回）。") % {"n": here})
    if kind == NodeType.GATEWAY:
        if not node.get("default"):
            problems.append(_("条件分支%(n)s必须有默认分支（所有条件都不满足时去哪里）。") % {"n": here})
        if not node.get("branches"):
            problems.append(_("条件分支%(n)s至少需要一个条件。") % {"n": here})
        for branch in node.get("branches", []):
            try:
                compile_expression(branch.get("condition", ""), schema)
            except ValidationError as exc:
                problems.append(_("条件分支%(n)s：%(e)s") % {"n": here, "e": " ".join(exc.messages)})
    if kind == NodeType.AUTO and node.get("action") not in adapter.auto_actions():
        problems.append(_("自动环节%(n)s需要选择一个自动处理动作。") % {"n": here})
    if kind in WORK_NODES:
        problems.extend(_work_node_problems(here, node, adapter, schema, roles, User))
    return problems


def _work_node_problems(here, node, adapter, schema, roles, User):
    problems = []
    handlers = node.get("handlers") or []
    if not handlers:
        problems.append(_("环节%(n)s没有设置处理人。") % {"n": here})
    for rule in [*handlers, *(node.get("cc") or [])]:
        problems.extend(handler_problems(here, rule, adapter, schema, roles, User))
    limit = node.get("limit_hours")
    if limit not in (None, ""):
        try:
            if float(limit) <= 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(_("环节%(n)s的时限必须是正数（小时）。") % {"n": here})
    unknown = set(node.get("actions") or []) - set(TASK_ACTIONS)
    if unknown:
        problems.append(_("环节%(n)s有未知操作：%(a)s。") % {"n": here, "a": "、".join(sorted(unknown))})
    if node.get("actions") and Action.APPROVE not in node["actions"]:
        problems.append(_("环节%(n)s必须允许“通过”。") % {"n": here})
    for key, known, what in (("editable_fields", adapter.editable_fields(), _("可编辑字段")),
                             ("required_documents", adapter.document_kinds(), _("必备材料"))):
        unknown = set(node.get(key) or []) - set(known)
        if unknown:
            problems.append(_("环节%(n)s的%(w)s无效：%(v)s。") % {"n": here, "w": what, "v": "、".join(sorted(unknown))})
    if node.get("status") and node["status"] not in adapter.statuses():
        problems.append(_("环节%(n)s设置的状态“%(s)s”无效。") % {"n": here, "s": node["status"]})
    if node.get("type") == NodeType.COUNTERSIGN:
        policy = node.get("policy", Policy.ALL)
        if policy not in Policy.values:
            problems.append(_("会签%(n)s的通过规则无效。") % {"n": here})
        if policy == Policy.N_OF_M:
            try:
                n = int(node.get("n"))
                if not 1 <= n <= len(handlers):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(_("会签%(n)s：N 必须在 1 到会签人数（%(m)d）之间。") % {"n": here, "m": len(handlers)})
    return problems


def handler_problems(here, rule, adapter, schema, roles, User):
    kind = rule.get("kind")
    if kind not in HandlerKind.values:
        return [_("环节%(n)s的处理人规则“%(k)s”无效。") % {"n": here, "k": kind}]
    if kind == HandlerKind.ROLE and rule.get("role") not in roles:
        return [_("环节%(n)s的处理角色“%(r)s”不存在。") % {"n": here, "r": rule.get("role")}]
    if kind == HandlerKind.USER:
        if not User.objects.filter(username=rule.get("user"), is_active=True).exists():
            return [_("环节%(n)s的处理人“%(u)s”不存在或已停用。") % {"n": here, "u": rule.get("user")}]
    if kind == HandlerKind.FIELD and rule.get("field") not in adapter.user_fields():
        return [_("环节%(n)s的处理人字段“%(f)s”无效。") % {"n": here, "f": rule.get("field")}]
    if kind == HandlerKind.EXPRESSION:
        try:
            compile_expression(rule.get("expression", ""), schema)
        except ValidationError as exc:
            return [_("环节%(n)s的处理人表达式：%(e)s") % {"n": here, "e": " ".join(exc.messages)}]
    return []


def _graph_problems(start_id, by_id):
    """No node unreachable from the start; no node without a way to an end."""
    problems = []
    reached, stack = set(), [start_id]
    while stack:
        node_id = stack.pop()
        if node_id in reached:
            continue
        reached.add(node_id)
        stack.extend(t for t, _l in successors(by_id[node_id]))
    for node_id, node in by_id.items():
        if node_id not in reached:
            problems.append(_("环节%(n)s从开始环节无法到达。") % {"n": _name(node_id, node)})
    ends = {n for n, node in by_id.items() if node.get("type") == NodeType.END}
    finishing = set(ends)
    changed = True
    while changed:
        changed = False
        for node_id, node in by_id.items():
            if node_id not in finishing and any(t in finishing for t, _l in successors(node)):
                finishing.add(node_id)
                changed = True
    for node_id, node in by_id.items():
        if node_id in reached and node_id not in finishing:
            problems.append(_("环节%(n)s走不到任何结束环节（死路）。") % {"n": _name(node_id, node)})
    return problems


def check(spec, adapter):
    """Raise a ValidationError listing every problem, or return the spec."""
    problems = validate(spec, adapter)
    if problems:
        raise ValidationError(problems)
    return spec


def layers(spec):
    """{node id: depth} by the longest path from the start (the diagram's rows)."""
    by_id = {n["id"]: n for n in spec.get("nodes", [])}
    start = next((n["id"] for n in by_id.values() if n.get("type") == NodeType.START), None)
    depth = {}
    if start is None:
        return depth
    # Longest path over a DAG: relax in a topological order found by DFS (back edges ignored).
    order, state = [], {}

    def visit(node_id):
        state[node_id] = 1
        for target, _l in successors(by_id[node_id]):
            if target in by_id and state.get(target) is None:
                visit(target)
        state[node_id] = 2
        order.append(node_id)

    visit(start)
    depth[start] = 0
    for node_id in reversed(order):
        for target, _l in successors(by_id[node_id]):
            if target in by_id and state.get(target) == 2 and order.index(target) < order.index(node_id):
                depth[target] = max(depth.get(target, 0), depth.get(node_id, 0) + 1)
    for node_id in by_id:
        depth.setdefault(node_id, max(depth.values(), default=0) + 1)
    return depth
