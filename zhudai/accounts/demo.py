"""The demo firm: two branches (银川, 吴忠), two teams and the people of DOMAIN.md.

Used by `zhudai demo` and by the tests, so that the tests' named people are the demo logins.
"""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .choices import UnitKind
from .defaults import create_default_roles
from .models import OrgUnit, Role, User

# username, name, role code, unit key
PEOPLE = [
    ("admin", "系统管理员", "admin", "company"),
    ("gm", "王总", "approver", "company"),
    ("risk", "马风控", "risk", "company"),
    ("finance", "李财务", "finance", "company"),
    ("lead1", "张主管", "team_lead", "team1"),
    ("sales1", "刘业务", "salesperson", "team1"),
    ("sales2", "陈业务", "salesperson", "team1"),
    ("lead2", "杨主管", "team_lead", "team2"),
    ("sales3", "赵业务", "salesperson", "team2"),
]


@transaction.atomic
def create_demo_firm(password="demo1234"):
    """Create the org tree and users if missing; returns {username: User}."""
    create_default_roles(Role)  # present after migrate; recreated where a test emptied the tables
    company, _ = OrgUnit.objects.get_or_create(name="宁夏融信助贷服务有限公司", defaults={"kind": UnitKind.COMPANY})
    yinchuan, _ = OrgUnit.objects.get_or_create(
        name="银川分公司", defaults={"kind": UnitKind.DEPARTMENT, "parent": company, "order": 1})
    wuzhong, _ = OrgUnit.objects.get_or_create(
        name="吴忠分公司", defaults={"kind": UnitKind.DEPARTMENT, "parent": company, "order": 2})
    team1, _ = OrgUnit.objects.get_or_create(name="银川一组", defaults={"kind": UnitKind.TEAM, "parent": yinchuan})
    team2, _ = OrgUnit.objects.get_or_create(name="吴忠一组", defaults={"kind": UnitKind.TEAM, "parent": wuzhong})
    units = {"company": company, "yinchuan": yinchuan, "wuzhong": wuzhong, "team1": team1, "team2": team2}
    roles = {r.code: r for r in Role.objects.all()}
    users = {}
    encoded = None  # hashing is deliberately slow (~1 s): hash the shared demo password once
    for username, name, role, unit in PEOPLE:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, name=name, role=roles[role], org_unit=units[unit],
                        email=f"{username}@example.com", is_superuser=(username == "admin"),
                        is_staff=(username == "admin"))
            encoded = encoded or make_password(password)
            user.password = encoded
            user.save()
        users[username] = user
    return users, units
