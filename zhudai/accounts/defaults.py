"""The shipped roles. A data migration creates them; administrators may change them afterwards."""

CUSTOMER_READ = ["customer.view", "sensitive.reveal_phone"]
CUSTOMER_WORK = CUSTOMER_READ + ["customer.add", "customer.change", "sensitive.reveal_id_number"]
LOAN_WORK = ["loan.view", "loan.add", "loan.change", "loan.contract"]

DEFAULT_ROLES = [
    # code, name, description, data scope, permissions
    ("salesperson", "业务员", "拥有并跟进自己的客户", "own", CUSTOMER_WORK + LOAN_WORK),
    ("team_lead", "团队主管", "查看本团队客户，一级审批，分配线索", "team",
     CUSTOMER_WORK + LOAN_WORK + ["customer.assign", "customer.export", "customer.import"]),
    ("front_desk", "前台", "录入新线索", "own",
     ["customer.view", "customer.add", "customer.import", "sensitive.reveal_phone"]),
    ("risk", "风控专员", "审核资料，评估风险", "all",
     CUSTOMER_READ + ["sensitive.reveal_id_number", "sensitive.reveal_bank_card", "loan.view"]),
    ("approver", "审批人", "部门经理、总经理，最终审批", "all",
     CUSTOMER_WORK + LOAN_WORK + ["customer.assign", "customer.export", "customer.import", "customer.merge",
                                  "sensitive.reveal_bank_card", "user.handover", "audit.view"]),
    ("finance", "财务", "放款、费用、佣金", "all",
     CUSTOMER_READ + ["sensitive.reveal_bank_card", "loan.view", "loan.disburse"]),
    ("postloan", "贷后", "还款提醒与催收", "all", CUSTOMER_READ + ["customer.change", "loan.view"]),
    ("admin", "系统管理员", "用户、角色、字段、流程与规则", "all",
     CUSTOMER_WORK + ["customer.delete", "customer.assign", "customer.export", "customer.import", "customer.merge",
                      "sensitive.reveal_bank_card", "user.manage", "user.handover", "audit.view",
                      "settings.fields"] + LOAN_WORK + ["loan.disburse", "settings.products", "flow.manage",
                                                         "flow.reassign", "notify.manage", "rules.manage"]),
]


def create_default_roles(Role):
    for code, name, description, scope, permissions in DEFAULT_ROLES:
        Role.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "data_scope": scope,
                      "permissions": sorted(set(permissions)), "is_system": True},
        )


# Permissions added to the shipped roles after their first release: {permission: [role codes]}.
ADDED_PERMISSIONS = {
    "customer.import": ["team_lead", "front_desk", "approver", "admin"],
    "loan.view": ["salesperson", "team_lead", "risk", "approver", "finance", "postloan", "admin"],
    "loan.add": ["salesperson", "team_lead", "approver", "admin"],
    "loan.change": ["salesperson", "team_lead", "approver", "admin"],
    "loan.contract": ["salesperson", "team_lead", "approver", "admin"],
    "loan.disburse": ["finance", "admin"],
    "settings.products": ["admin"],
    "flow.manage": ["admin"],
    "flow.reassign": ["admin"],
    "notify.manage": ["admin"],
    "rules.manage": ["admin"],
}


def grant_added_permissions(Role, permission):
    for role in Role.objects.filter(code__in=ADDED_PERMISSIONS[permission], is_system=True):
        if permission not in role.permissions:
            role.permissions = sorted(set(role.permissions) | {permission})
            role.save(update_fields=["permissions"])
