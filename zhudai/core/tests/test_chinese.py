import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhudai.core import chinese

VALID = chinese.make_id_number("640104", datetime.date(1985, 3, 7), 123)


def test_a_valid_id_number_gives_birth_date_gender_and_region():
    info = chinese.parse_id_number(VALID)
    assert info.birth_date == datetime.date(1985, 3, 7)
    assert info.gender == "M"  # 123: the 17th digit is odd
    assert info.region == "宁夏回族自治区兴庆区"
    assert info.age(today=datetime.date(2026, 3, 6)) == 40
    assert info.age(today=datetime.date(2026, 3, 7)) == 41


def test_region_codes_newer_than_the_birth_year_are_accepted():
    # 兴庆区 (640104) was created in 2002; people born before then carry it on IDs issued later.
    assert chinese.parse_id_number(chinese.make_id_number("640104", datetime.date(1965, 1, 1), 8)).region


def test_a_lowercase_x_and_full_width_digits_are_normalised():
    with_x = next(n for n in (chinese.make_id_number("640302", datetime.date(1990, 1, 1), s) for s in range(200))
                  if n.endswith("X"))
    assert chinese.parse_id_number(with_x.lower()).number == with_x
    full_width = VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert chinese.parse_id_number(full_width).number == VALID


@pytest.mark.parametrize("number, code", [
    (VALID[:17] + str((int(VALID[17]) + 1) % 10) if VALID[17] != "X" else VALID[:17] + "0", "id_checksum"),
    (VALID[:15], "id_legacy"),
    (VALID[:16], "id_length"),
    ("990104198503071231", "id_region"),
    (chinese.make_id_number("640104", datetime.date(1985, 3, 7), 1)[:10] + "0231" + "0011", "id_birth"),
])
def test_invalid_id_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as exc:
        chinese.parse_id_number(number)
    assert exc.value.code in {code, "id_checksum"} if code == "id_birth" else exc.value.code == code


def test_an_impossible_birth_date_is_refused_even_with_a_correct_check_digit():
    body = "64010419850231001"
    from stdnum.cn import ric

    with pytest.raises(ValidationError) as exc:
        chinese.parse_id_number(body + ric.calc_check_digit(body + "0"))
    assert exc.value.code == "id_birth"


@pytest.mark.parametrize("raw", ["13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678", "００８６13912345678"])
def test_mobiles_are_normalised(raw):
    assert chinese.validate_mobile(raw) == "13912345678"


@pytest.mark.parametrize("raw", ["1391234567", "23912345678", "12912345678", "abc"])
def test_bad_mobiles_are_refused(raw):
    with pytest.raises(ValidationError):
        chinese.validate_mobile(raw)


def test_landlines_with_area_code_are_phones():
    assert chinese.validate_phone("0951-5012345") == "09515012345"


@pytest.mark.parametrize("raw, amount", [
    ("50,000.00", "50000.00"), ("¥50000", "50000.00"), ("5万", "50000.00"), ("12.5万", "125000.00"),
    (" 8000 ", "8000.00"), ("８０００元", "8000.00"), (3000, "3000.00"), ("", None),
])
def test_money_is_parsed_from_what_people_write(raw, amount):
    parsed = chinese.parse_money(raw)
    assert parsed == (Decimal(amount) if amount else None)


def test_unreadable_money_is_refused():
    with pytest.raises(ValidationError):
        chinese.parse_money("五万")


def test_pinyin_initials():
    assert chinese.pinyin_initials("张三") == "zs"
    assert chinese.pinyin_initials("欧阳娜娜") == "oynn"


def test_masks():
    assert chinese.mask_id_number("640102199003071234") == "640102********1234"
    assert chinese.mask_phone("13956785678") == "139****5678"
    assert chinese.mask_bank_card("6222021234567890123") == "6222 **** **** 0123"
