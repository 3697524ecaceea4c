from django.core.management.base import BaseCommand

from zhudai.accounts.demo import PEOPLE, create_demo_firm
from zhudai.accounts.models import Role
from zhudai.audit.choices import Action
from zhudai.audit.services import record
from zhudai.core.context import acting
from zhudai.customers.demo import create_demo_customers
from zhudai.customers.models import Customer
from zhudai.customers.demo import create_demo_leads
from zhudai.loans.demo import create_demo_applications


class Command(BaseCommand):
    help = "Fill the database with a realistic demo firm: org tree, users (password demo1234) and customers."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if customers already exist")
        parser.add_argument("--customers", type=int, default=2000, help="number of demo customers (default 2000)")

    def handle(self, *args, if_empty=False, customers=2000, **options):
        if if_empty and Customer.objects.exists():
            self.stdout.write("数据库中已有数据，未生成演示数据。")
        else:
            with acting(None, label="cli:demo"):
                users, units = create_demo_firm()
                created = create_demo_customers(users, count=customers)
                applications = create_demo_applications(users)
                create_demo_leads(users, units)
                record(Action.CREATE, object_type="system", object_repr="演示数据",
                       extra={"customers": created, "applications": applications})
            self.stdout.write(self.style.SUCCESS(f"已生成演示数据：{created} 位客户，{applications} 笔贷款申请。"))
        self.stdout.write("\n演示账号（密码均为 demo1234）:")
        roles = dict(Role.objects.values_list("code", "name"))
        for username, name, role, _unit in PEOPLE:
            self.stdout.write(f"  {username:<8} {name}（{roles.get(role, role)}）")
        self.stdout.write("")
