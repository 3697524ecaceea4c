"""The shipped standard process (标准助贷流程) and example products.

A data migration publishes the process as version 1; administrators edit it in 设置 > 审批流程,
which creates version 2, 3, … while running applications finish on the version they started on.
"""

STANDARD_PROCESS_KEY = "loan_standard"
# Amounts above this go to the countersign of the risk officer and the approver.
COUNTERSIGN_THRESHOLD = 200000
FAST_PATH_LIMIT = 50000

ALL_ACTIONS = ["approve", "reject", "return", "request_materials", "forward", "add_signer"]


def _task(node_id, name, handlers, next_id, **options):
    node = {"id": node_id, "type": "task", "name": name, "handlers": handlers, "next": next_id,
            "actions": ALL_ACTIONS}
    node.update(options)
    return node


STANDARD_PROCESS = {
    "nodes": [
        {"id": "start", "type": "start", "name": "提交申请", "next": "system_check"},
        {"id": "system_check", "type": "auto", "name": "系统校验", "action": "basic_check", "next": "renewal_check"},
        {"id": "renewal_check", "type": "gateway", "name": "是否续贷",
         "branches": [{"condition": 'customer.returning and customer.credit_rating == "good"', "to": "renewal_review",
                       "label": "老客户续贷"}],
         "default": "prescreen"},
        _task("renewal_review", "续贷快速审核", [{"kind": "role", "role": "risk", "mode": "least_load"}], "final_approval",
              limit_hours=8, working_hours=True,
              editable_fields=["recommended_amount", "recommended_rate", "recommended_term", "risk_opinion"]),
        _task("prescreen", "资质预审", [{"kind": "owner"}], "documents", limit_hours=24, allow_self_approval=True,
              actions=["approve", "reject", "forward"]),
        _task("documents", "资料收集与审核", [{"kind": "owner"}], "risk_assessment", limit_hours=16, working_hours=True,
              allow_self_approval=True, required_documents=["id_card", "credit_report"],
              actions=["approve", "reject", "return", "forward"]),
        _task("risk_assessment", "风控评估", [{"kind": "role", "role": "risk", "mode": "least_load"}], "approval_route",
              limit_hours=16, working_hours=True,
              editable_fields=["recommended_amount", "recommended_rate", "recommended_term", "risk_opinion"]),
        {"id": "approval_route", "type": "gateway", "name": "快速通道判断",
         "branches": [{"condition": f'amount < {FAST_PATH_LIMIT} and customer.credit_rating == "good"',
                       "to": "amount_route", "label": "5万以下且征信良好"}],
         "default": "team_lead_approval"},
        _task("team_lead_approval", "团队主管审批", [{"kind": "owner_lead"}], "amount_route", limit_hours=24,
              working_hours=True),
        {"id": "amount_route", "type": "gateway", "name": "金额判断",
         "branches": [{"condition": f"amount > {COUNTERSIGN_THRESHOLD}", "to": "final_countersign",
                       "label": "20万以上会签"}],
         "default": "final_approval"},
        _task("final_approval", "终审", [{"kind": "role", "role": "approver", "mode": "least_load"}], "contract",
              limit_hours=24, working_hours=True, editable_fields=["credit_line", "approved_rate", "approved_term"]),
        {"id": "final_countersign", "type": "countersign", "name": "终审会签",
         "handlers": [{"kind": "role", "role": "risk", "mode": "least_load"},
                      {"kind": "role", "role": "approver", "mode": "least_load"}],
         "policy": "all", "next": "contract", "limit_hours": 24, "working_hours": True, "actions": ALL_ACTIONS,
         "editable_fields": ["credit_line", "approved_rate", "approved_term"]},
        _task("contract", "合同签订", [{"kind": "owner"}], "disbursement", limit_hours=40, working_hours=True,
              allow_self_approval=True, required_documents=["signed_contract"], status="approved",
              editable_fields=["contract_signed_at"], actions=["approve", "forward"]),
        _task("disbursement", "放款", [{"kind": "role", "role": "finance", "mode": "least_load"}], "done",
              limit_hours=16, working_hours=True, required_documents=["signed_contract"], status="signed",
              editable_fields=["disbursed_at", "disbursed_amount", "disbursement_bank", "disbursement_account"],
              actions=["approve", "return", "forward"]),
        {"id": "done", "type": "end", "name": "放款完成（转贷后）", "result": "approved"},
    ]
}

PRODUCTS = [
    # lender, name, type, min, max, min term, max term, rate min, rate max, documents
    ("宁夏银行", "宁易贷", "credit", 10000, 300000, 6, 36, "6.5", "15.4", ["id_card", "credit_report", "bank_statement"]),
    ("黄河农商银行", "黄河e贷", "credit", 10000, 200000, 3, 24, "7.2", "18.0", ["id_card", "credit_report"]),
    ("石嘴山银行", "房易贷", "mortgage", 100000, 3000000, 12, 120, "3.9", "8.5",
     ["id_card", "credit_report", "property", "marriage"]),
    ("某消费金融公司", "随借随还", "credit", 5000, 100000, 3, 24, "9.0", "23.9", ["id_card"]),
]


def create_defaults(ProcessDefinition, ProcessVersion, Product):
    from django.utils import timezone

    definition, _ = ProcessDefinition.objects.get_or_create(
        key=STANDARD_PROCESS_KEY,
        defaults={"name": "标准助贷流程", "subject": "loan_application", "is_default": True,
                  "description": "进件 > 预审 > 资料 > 风控 > 主管审批 > 终审/会签 > 合同 > 放款"},
    )
    if not definition.versions.exists():
        ProcessVersion.objects.create(definition=definition, number=1, spec=STANDARD_PROCESS, status="published",
                                      note="系统内置", published_at=timezone.now())
    for lender, name, kind, low, high, t_min, t_max, r_min, r_max, docs in PRODUCTS:
        Product.objects.get_or_create(lender=lender, name=name, defaults={
            "product_type": kind, "min_amount": low, "max_amount": high, "min_term": t_min, "max_term": t_max,
            "rate_min": r_min, "rate_max": r_max, "required_documents": docs})
