"""Personal data is never stored in clear, and keys can be rotated."""

import base64
import os

import pytest
from django.core.management import call_command
from django.db import connection

from zhudai.customers.models import Customer
from zhudai.security.crypto import cipher
from zhudai.testing import factories

pytestmark = pytest.mark.django_db
ID_NUMBER = factories.id_number(region="640106")
MOBILE = "13712345678"


def all_stored_text():
    """Every text value in every table, as the database holds it."""
    chunks = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(str(v) for row in cur.fetchall() for v in row if v is not None)
    return "\n".join(chunks)


@pytest.fixture
def customer(people):
    c = factories.customer(people.sales1, name="周敏", id_number=ID_NUMBER, mobile=MOBILE,
                           backup_phone="13811112222", bank_card="6222021234567890123")
    factories.follow_up(c, people.sales1)
    return c


def test_values_round_trip(customer):
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.id_number, fresh.mobile, fresh.bank_card) == (ID_NUMBER, MOBILE, "6222021234567890123")


def test_no_table_holds_a_sensitive_value_in_clear_text(customer, client_for, people):
    client_for(people.sales1).post(f"/customers/{customer.pk}/reveal/mobile/")  # audit events too
    stored = all_stored_text()
    for secret in (ID_NUMBER, MOBILE, "13811112222", "6222021234567890123", MOBILE[-8:]):
        assert secret not in stored


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_file_does_not_contain_them(customer, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the file check is about SQLite's database file")
    path = tmp_path / "copy.sqlite3"
    with connection.cursor() as cur:
        cur.execute("VACUUM INTO %s", [str(path)])
    raw = path.read_bytes()
    assert b"\xe5\x91\xa8\xe6\x95\x8f" in raw  # the name 周敏 is there: the copy is real
    for secret in (ID_NUMBER, MOBILE, "6222021234567890123"):
        assert secret.encode() not in raw


def test_blind_index_finds_exact_values_only(customer):
    from zhudai.security.fields import blind_index

    assert Customer.objects.filter(mobile_bidx=blind_index("phone", "137-1234-5678")).get() == customer
    assert not Customer.objects.filter(mobile_bidx=blind_index("phone", "13712345679")).exists()


@pytest.mark.parametrize("index_key", [b"k" * 32, b"a-longer-index-key-than-the-block-" * 3, "text key"])
def test_blind_index_is_hmac_sha256(index_key):
    """Stored blind indexes stay valid: the precomputed pads give exactly HMAC-SHA256."""
    import hashlib
    import hmac

    from zhudai.security.crypto import Cipher

    c = Cipher([base64.b64encode(os.urandom(32)).decode()], index_key)
    key = index_key.encode() if isinstance(index_key, str) else index_key
    for value in ("13712345678", ID_NUMBER, "周敏"):
        expected = hmac.new(key, f"phone:{value}".encode(), hashlib.sha256).hexdigest()[:32]
        assert c.blind_index("phone", value) == expected
    assert c.blind_index("phone", "") is None


def test_encrypted_columns_refuse_searches_that_would_need_the_plaintext():
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Customer.objects.filter(mobile__startswith="137"))


def test_rotate_keys_re_encrypts_everything_under_the_new_key(customer, settings):
    old_key_id = cipher().current_id
    new_key = base64.b64encode(os.urandom(32)).decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    new_key_id = cipher().current_id
    assert new_key_id != old_key_id
    call_command("rotate_keys", stdout=open(os.devnull, "w"))
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, mobile, bank_card FROM customers_customer")
        tokens = [t for row in cur.fetchall() for t in row if t]
    assert tokens and all(cipher().token_key_id(t) == new_key_id for t in tokens)
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key can now be removed
    assert Customer.objects.get(pk=customer.pk).mobile == MOBILE


def test_a_value_whose_key_is_gone_reads_as_unavailable_instead_of_crashing(customer, settings):
    settings.FIELD_ENCRYPTION_KEYS = [base64.b64encode(os.urandom(32)).decode()]
    assert Customer.objects.get(pk=customer.pk).mobile == "⚠"


def test_attachment_files_are_encrypted_on_disk(customer, people, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(people.sales1)
    pdf = b"%PDF-1.4 credit report of " + ID_NUMBER.encode()
    client.post(f"/customers/{customer.pk}/attachments/",
                {"kind": "credit_report", "file": SimpleUploadedFile("征信报告.pdf", pdf, "application/pdf")})
    attachment = customer.attachments.get()
    on_disk = (settings.MEDIA_ROOT / attachment.file.name).read_bytes()
    assert ID_NUMBER.encode() not in on_disk and "征信" not in attachment.file.name
    response = client.get(f"/customers/{customer.pk}/attachments/{attachment.pk}/")
    assert response.content == pdf
