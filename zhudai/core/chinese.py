"""Chinese identity data: ID numbers (GB 11643), mobile numbers, pinyin initials, money in 万.

Validation here is shared by the customer form, the importer and the API, so a value is judged
the same way whichever door it comes through.
"""

import datetime
import os
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric

# First two digits of a resident ID: provinces, autonomous regions and municipalities.
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}
GENDER_MALE, GENDER_FEMALE = "M", "F"


def to_halfwidth(text):
    """Full-width digits, letters and punctuation (０１２ＡＢ) become their ASCII forms."""
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


class IdInfo(NamedTuple):  # a NamedTuple: made ~0.3 µs, a frozen dataclass 1.3 µs (an import makes one a row)
    number: str
    birth_date: datetime.date
    gender: str
    region_code: str
    region: str

    def age(self, today=None):
        today = today or datetime.date.today()
        years = today.year - self.birth_date.year
        return years - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))


_SPACES_RE = re.compile(r"\s+")
_PHONE_SEPARATORS_RE = re.compile(r"[\s\-()（）]")
_CARD_SEPARATORS_RE = re.compile(r"[\s\-]")


def normalize_id_number(value):
    return _SPACES_RE.sub("", to_halfwidth(str(value or ""))).upper()


def parse_id_number(value, today=None):
    """Validate an 18-character resident ID and return what it says about its holder.

    The region code is not checked against the year of birth (unlike stdnum's validate): an ID
    carries the code in force when it was issued, so a 1985 birth date under a district created in
    2002 is a real, valid number.
    """
    number = normalize_id_number(value)
    if len(number) == 15 and number.isdigit():
        raise ValidationError(_("15位旧身份证号已停用，请填写18位身份证号。"), code="id_legacy")
    if len(number) != 18:
        raise ValidationError(_("身份证号应为18位，当前为%(n)d位。") % {"n": len(number)}, code="id_length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号只能包含数字，最后一位可以是X。"), code="id_format")
    if number[:2] not in PROVINCE_CODES:
        raise ValidationError(_("身份证号的地区码无效。"), code="id_region")
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(_("身份证号校验位不正确，请核对号码。"), code="id_checksum")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期不存在。"), code="id_birth") from None
    today = today or datetime.date.today()
    if birth > today or birth.year < today.year - 130:
        raise ValidationError(_("身份证号中的出生日期不合理。"), code="id_birth")
    gender = GENDER_MALE if int(number[16]) % 2 else GENDER_FEMALE
    return IdInfo(number, birth, gender, number[:6], region_name(number[:6]))


@lru_cache(maxsize=4096)
def region_name(code):
    """Province and county for an area code, e.g. 640104 → 宁夏回族自治区兴庆区; '' if unknown."""
    from stdnum import numdb

    parts = {}
    for _part, props in numdb.get("cn/loc").info(code):
        parts.update(props)
    county = parts.get("county", "")
    # Counties may carry validity ranges: "[1984-2002]城区,[2002-]兴庆区"; take the newest name.
    names = [re.sub(r"^\[[^\]]*\]", "", c) for c in county.split(",") if c]
    return parts.get("province", "") + (parts.get("prefecture", "") or "") + (names[-1] if names else "")


MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(value):
    """Digits only, without +86 / 0086 and without spaces or dashes."""
    text = _PHONE_SEPARATORS_RE.sub("", to_halfwidth(str(value or "")))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    return text


def validate_mobile(value):
    number = normalize_phone(value)
    if not MOBILE_RE.match(number):
        raise ValidationError(_("手机号应为以1开头的11位数字。"), code="mobile")
    return number


PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}\d{7,8}(\d{1,6})?)$")


def validate_phone(value):
    """A mobile or a landline with area code (0951-1234567)."""
    number = normalize_phone(value)
    if not PHONE_RE.match(number):
        raise ValidationError(_("电话号码格式不正确（手机号11位，座机请带区号）。"), code="phone")
    return number


def normalize_bank_card(value):
    return _CARD_SEPARATORS_RE.sub("", to_halfwidth(str(value or "")))


def validate_bank_card(value):
    number = normalize_bank_card(value)
    if not number.isdigit() or not 12 <= len(number) <= 19:
        raise ValidationError(_("银行卡号应为12到19位数字。"), code="bank_card")
    return number


def pinyin_initials(name):
    """张三 → zs; letters and digits in the name are kept as they are.

    Character by character (each cached): pypinyin on a whole name cost ~0.2 ms, which an import
    of 100,000 customers pays 100,000 times; names are read as single characters anyway.
    """
    return "".join(map(_initial, name or "")).lower().replace(" ", "")[:40]


@lru_cache(maxsize=20000)
def _initial(ch):
    return "".join(_first_letters()(ch))


@lru_cache(maxsize=1)
def _first_letters():
    """pypinyin, imported on first use and without its phrase dictionary: names are looked up one
    character at a time, where phrases change nothing (checked over U+4E00–U+9FFF), and the
    phrases cost every process that imports it ~45 MB."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    from pypinyin import Style, lazy_pinyin

    return partial(lazy_pinyin, style=Style.FIRST_LETTER, errors="default")


_MONEY_RE = re.compile(r"^[¥￥]?\s*([+-]?[\d,]*\.?\d+)\s*(万|w|W|元)?$")


def parse_money(value):
    """'50,000.00', '¥50000', '5万', '12.5万' → Decimal with two places; None for empty."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float, Decimal)):
        amount = Decimal(str(value))
    else:
        text = to_halfwidth(str(value)).strip().replace("元", "") if str(value).strip() else ""
        if not text:
            return None
        match = _MONEY_RE.match(text)
        if not match:
            raise ValidationError(_("金额格式不正确：%(v)s") % {"v": value}, code="money")
        try:
            amount = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            raise ValidationError(_("金额格式不正确：%(v)s") % {"v": value}, code="money") from None
        if match.group(2) in {"万", "w", "W"}:
            amount *= 10000
    return amount.quantize(Decimal("0.01"))


def lunar_month_day(day):
    """The lunar (农历) month and day of a solar date as MMDD (a leap month counts as its month)."""
    if day is None:
        return None
    from lunardate import LunarDate

    try:
        lunar = LunarDate.from_solar_date(day.year, day.month, day.day)
    except ValueError:  # outside the years the table knows (1900-2099)
        return None
    return lunar.month * 100 + lunar.day


def wan(amount):
    """An amount in 万 as brokers say it: 40000 → "4万", 125000 → "12.5万", 8000 → "0.8万"."""
    if amount is None:
        return ""
    text = f"{Decimal(amount) / 10000:.2f}".rstrip("0").rstrip(".")
    return f"{text}万"


def mask_id_number(value):
    """640102********1234"""
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value):
    """139****5678; landlines keep area code and last four digits."""
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "****" + value[-4:]
    return value[:2] + "*" * max(len(value) - 4, 1) + value[-2:]


def mask_bank_card(value):
    """6222 **** **** 1234"""
    if not value:
        return ""
    return value[:4] + " **** **** " + value[-4:] if len(value) > 8 else "*" * len(value)


def make_id_number(region_code, birth_date, sequence):
    """A valid ID number for demo and test data: region, birth date, 3-digit sequence, check digit."""
    body = f"{region_code}{birth_date:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


# ---------------------------------------------------------------- spreadsheet cells ------------

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01, with Excel's 1900 leap-year bug
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_RE = re.compile(r"^(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$")


def clean_text(value):
    """Spreadsheet cell → trimmed text: full-width spaces and stray whitespace removed, a whole
    number stored as 123.0 written as 123."""
    if value.__class__ is str:
        return (value.replace("\u3000", " ") if "\u3000" in value else value).strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def parse_date(value):
    """A date from an Excel date cell or serial, 2026/3/5, 2026-03-05, 2026.3.5, 2026年3月5日 or
    20260305; None for empty. Dates that do not exist (2026-02-30) are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 19000101 <= value <= 99991231 and value == int(value):
            return parse_date(str(int(value)))  # 20260305 typed into a number cell
        if 1 <= value < 2958466:  # Excel's range: 1900-01-01 … 9999-12-31
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise ValidationError(_("日期格式不正确：%(v)s") % {"v": value}, code="date")
    text = to_halfwidth(str(value)).strip()
    if not text:
        return None
    text = text.split(" ")[0] if " " in text and _DATE_RE.match(text.split(" ")[0]) else text
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match and text.replace(".", "", 1).isdigit():
        return parse_date(float(text))  # a serial written as text
    if not match:
        raise ValidationError(_("日期格式不正确：%(v)s（可填 2026-03-05、2026/3/5 或 2026年3月5日）") % {"v": value},
                              code="date")
    try:
        return datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValidationError(_("日期不存在：%(v)s") % {"v": value}, code="date") from None


def parse_datetime(value, tz=None):
    """Like parse_date, with an optional time of day (2026-03-05 14:30); aware, in `tz` (default:
    the current time zone)."""
    from django.utils import timezone

    if value is None or value == "":
        return None
    tz = tz or timezone.get_current_timezone()
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=tz)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        day = parse_date(value)
        seconds = round((value - int(value)) * 86400)
        return datetime.datetime.combine(day, datetime.time(), tzinfo=tz) + datetime.timedelta(seconds=seconds)
    text = to_halfwidth(str(value)).strip().replace("T", " ")
    date_part, _sep, time_part = text.partition(" ")
    day = parse_date(date_part)
    if day is None:
        return None
    moment = datetime.time()
    time_part = time_part.strip()
    if time_part:
        match = _TIME_RE.match(time_part)
        try:
            moment = datetime.time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
        except (AttributeError, ValueError):
            raise ValidationError(_("时间格式不正确：%(v)s") % {"v": value}, code="datetime") from None
    return datetime.datetime.combine(day, moment, tzinfo=tz)


_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def id_number_cell(value, today=None):
    """An ID number from a spreadsheet cell, parsed (IdInfo). A cell Excel stored as a number has
    lost its last digits (Excel keeps 15 significant digits), so it is refused, never guessed."""
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, (int, float)) or (isinstance(value, str) and _SCIENTIFIC_RE.match(value.strip())):
        raise ValidationError(
            _("身份证号被 Excel 存成了数字，最后几位已经丢失，无法还原。请把该列设置为“文本”格式，"
              "重新填写或粘贴完整的身份证号后再导入。"),
            code="id_as_number",
        )
    return parse_id_number(value, today)
