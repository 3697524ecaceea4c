"""Which kinds of personal data exist, how each is normalised, masked and revealed."""

from django.utils.translation import gettext_lazy as _

from zhudai.core import chinese

NORMALIZERS = {
    "id_number": chinese.normalize_id_number,
    "phone": chinese.normalize_phone,
    "bank_card": chinese.normalize_bank_card,
    "text": str.strip,  # an address or secret kept encrypted as written (e-mail, webhook URL)
}
MASKERS = {
    "id_number": chinese.mask_id_number,
    "phone": chinese.mask_phone,
    "bank_card": chinese.mask_bank_card,
    "text": lambda value: f"{value[:4]}***" if len(value) > 4 else "***",
}
# kind -> (permission that allows revealing the full value, label)
REVEAL_PERMISSIONS = {
    "phone": ("sensitive.reveal_phone", _("查看完整手机号")),
    "id_number": ("sensitive.reveal_id_number", _("查看完整身份证号")),
    "bank_card": ("sensitive.reveal_bank_card", _("查看完整银行卡号")),
}


def mask(kind, value):
    return MASKERS[kind](value) if value else ""


def can_reveal(user, kind):
    return bool(user and user.has_perm(REVEAL_PERMISSIONS[kind][0]))


def normalize(kind, value):
    return NORMALIZERS[kind](value) if value else ""
