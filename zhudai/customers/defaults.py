"""The shipped customer stages and channels; a data migration creates them, administrators edit them."""

STAGES = [
    ("new", "新线索", False), ("contacted", "初步接洽", False), ("collecting", "资料收集中", False),
    ("approving", "待审批", False), ("disbursed", "已放款", False), ("repaying", "贷后", False),
    ("settled", "已结清", True), ("invalid", "无效", True), ("lost", "流失", True),
]
CHANNELS = ["抖音", "快手", "微信朋友圈", "本地论坛", "中介合作", "老客户转介绍", "电话营销", "门店到访", "其他"]


def create_default_stages_and_channels(Stage, Channel):
    for order, (code, name, closed) in enumerate(STAGES):
        Stage.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10, "is_closed": closed})
    for order, name in enumerate(CHANNELS):
        Channel.objects.get_or_create(name=name, defaults={"order": order * 10})
