"""Realistic demo customers for a Ningxia brokerage: valid IDs, follow-ups and related persons."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhudai.core import chinese

from .models import Channel, Customer, FollowUp, RelatedPerson, Stage, Tag

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁婷雪琳晶欣怡佳雯建国志文海波建华春梅金凤永红晓东"
YINCHUAN = ["640104", "640105", "640106", "640121", "640122", "640181"]
WUZHONG = ["640302", "640303", "640323", "640324", "640381"]
EMPLOYERS = ["宁夏电力公司", "银川市第一人民医院", "个体经营", "宁夏建工集团", "吴忠市教育局", "中石化宁夏分公司",
             "银川新华百货", "宁东能源化工基地", "灵武羊绒厂", "青铜峡铝业", "自由职业", "宁夏医科大学",
             "吴忠仪表有限公司", "贺兰山葡萄酒庄", "银川公交公司", "美团骑手"]
OCCUPATIONS = ["个体户", "公务员", "教师", "医生", "司机", "工程师", "销售", "会计", "厨师", "农户", "企业主", "护士"]
PURPOSES = ["装修", "经营周转", "购车", "子女教育", "医疗", "进货", "购买农机", "婚嫁"]
NOTES = ["客户有意向，约下周面谈", "已发送资料清单，等待客户准备征信报告", "客户嫌利率高，需要再沟通",
         "客户在外地，电话沟通", "已收到银行流水，待核实", "客户暂不需要，三个月后再联系", "介绍了先息后本产品",
         "客户要求额度20万，资质一般", "上门看了房产，房本齐全", "征信有两次逾期，需说明情况"]
RESULTS = ["有意向", "待考虑", "资料已收", "暂无需求", "约见面"]


def name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def mobile(rng, used):
    while True:
        number = rng.choice(["139", "138", "137", "136", "135", "150", "151", "152", "157", "158", "159", "182",
                             "183", "187", "188", "130", "131", "132", "155", "156", "186", "133", "153", "180",
                             "189", "177", "199"]) + f"{rng.randrange(10**8):08d}"
        if number not in used:
            used.add(number)
            return number


@transaction.atomic
def create_demo_customers(users, count=2000, seed=20261122):
    """Create `count` customers spread over the demo salespeople; returns the number created."""
    rng = random.Random(seed)
    stages = list(Stage.objects.order_by("order"))
    stage_weights = [30, 20, 18, 10, 8, 6, 3, 3, 2][: len(stages)]
    channels = list(Channel.objects.all())
    tags = [Tag.objects.get_or_create(name=n)[0] for n in ("优质客户", "有房", "有车", "公务员", "急需", "老客户")]
    owners = {"yinchuan": [users["sales1"], users["sales2"], users["lead1"]], "wuzhong": [users["sales3"], users["lead2"]]}
    now = timezone.now()
    used_phones, used_ids = set(), set()
    customers = []
    for i in range(count):
        branch = "yinchuan" if rng.random() < 0.6 else "wuzhong"
        owner = rng.choice(owners[branch])
        birth = datetime.date(rng.randint(1960, 2003), rng.randint(1, 12), rng.randint(1, 28))
        while True:
            id_number = chinese.make_id_number(rng.choice(YINCHUAN if branch == "yinchuan" else WUZHONG), birth,
                                               rng.randrange(1000))
            if id_number not in used_ids:
                used_ids.add(id_number)
                break
        info = chinese.parse_id_number(id_number)
        created = now - datetime.timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440))
        stage = rng.choices(stages, weights=stage_weights)[0]
        next_at = None
        if not stage.is_closed and rng.random() < 0.7:
            next_at = now + datetime.timedelta(hours=rng.randint(-96, 240))
        c = Customer(
            name=name(rng), id_number=id_number, birth_date=info.birth_date, gender=info.gender,
            native_region=info.region, mobile=mobile(rng, used_phones),
            marital_status=rng.choice(["single", "married", "married", "married", "divorced"]),
            city="银川" if branch == "yinchuan" else "吴忠",
            current_address=("银川市" if branch == "yinchuan" else "吴忠市") + rng.choice(["兴庆区", "金凤区", "西夏区", "利通区"])
            + f"{rng.randint(1, 300)}号",
            occupation=rng.choice(OCCUPATIONS), employer=rng.choice(EMPLOYERS),
            monthly_income=Decimal(rng.randrange(3000, 30000, 500)),
            credit_rating=rng.choice(["good", "good", "fair", "poor", "none"]),
            loan_type=rng.choice(["credit", "credit", "mortgage"]),
            expected_amount=Decimal(rng.choice([3, 5, 8, 10, 15, 20, 30, 50, 80, 100]) * 10000),
            term_months=rng.choice([12, 24, 36, 60]), purpose=rng.choice(PURPOSES),
            channel=rng.choice(channels), owner=owner, org_unit_id=owner.org_unit_id, stage=stage,
            next_follow_up_at=next_at, created_at=created, assigned_at=created, created_by=owner,
        )
        c.name_initials = chinese.pinyin_initials(c.name)
        c.refresh_blind_indexes()
        customers.append(c)
    Customer.objects.bulk_create(customers, batch_size=200)
    follow_ups, related, tag_links = [], [], []
    Through = Customer.tags.through
    for c in customers:
        last = None
        for k in range(rng.choice([0, 1, 1, 2, 3, 5])):
            at = c.created_at + datetime.timedelta(days=k * rng.randint(1, 5), hours=rng.randint(1, 8))
            if at > now:
                break
            follow_ups.append(FollowUp(customer=c, kind=rng.choice(["phone", "phone", "wechat", "visit"]),
                                       content=rng.choice(NOTES), result=rng.choice(RESULTS), created_by=c.owner,
                                       created_at=at))
            last = at
        c.last_follow_up_at = last
        if rng.random() < 0.35:
            p = RelatedPerson(customer=c, relation=rng.choice(["spouse", "emergency", "guarantor"]), name=name(rng),
                              mobile=mobile(rng, used_phones))
            p.refresh_blind_indexes()
            related.append(p)
        for tag in rng.sample(tags, rng.choice([0, 0, 1, 1, 2])):
            tag_links.append(Through(customer_id=c.pk, tag_id=tag.pk))
    FollowUp.objects.bulk_create(follow_ups, batch_size=500)
    RelatedPerson.objects.bulk_create(related, batch_size=500)
    Through.objects.bulk_create(tag_links, batch_size=500)
    Customer.objects.bulk_update([c for c in customers if c.last_follow_up_at], ["last_follow_up_at"], batch_size=500)
    return len(customers)


def create_demo_leads(users, units):
    """A dozen new leads waiting in the pool (公海), and one assignment rule for the public form."""
    from .models import AssignmentRule

    new = Stage.objects.get(code="new")
    pool = list(Customer.objects.filter(stage=new, last_follow_up_at__isnull=True).order_by("-created_at")
                .values_list("pk", flat=True)[:12])
    Customer.objects.filter(pk__in=pool).update(owner=None)
    AssignmentRule.objects.get_or_create(name="银川一组轮流", defaults={"team": units["team1"], "order": 10})
    return len(pool)
