"""Uploaded documents: the allowed types and size limit, and encrypted storage under MEDIA_ROOT.

Customer attachments, loan documents and files attached to approval actions all pass through
here, so every upload is checked the same way and no file is ever stored in clear.
"""

import os

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from zhudai.security.crypto import cipher

ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".webp": "image/webp", ".heic": "image/heic", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip", ".txt": "text/plain",
}


def check_upload(upload, max_bytes, allowed=None):
    """The content type of an acceptable upload; a ValidationError in Chinese otherwise."""
    allowed = allowed or ALLOWED_ATTACHMENT_TYPES
    ext = os.path.splitext(upload.name)[1].lower()
    if ext not in allowed:
        raise ValidationError(_("不支持的文件类型 %(ext)s。允许：%(allowed)s") % {
            "ext": ext or "?", "allowed": " ".join(sorted(allowed))})
    if upload.size > max_bytes:
        raise ValidationError(_("文件过大（%(size)s），上限 %(max)s。") % {
            "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes)})
    return allowed[ext]


def store_encrypted(field_file, data):
    """Save bytes encrypted into a FileField (the model's upload_to names the path)."""
    field_file.save("upload.bin", ContentFile(cipher().encrypt_bytes(data)), save=False)


def read_encrypted(field_file):
    with field_file.open("rb") as fh:
        return cipher().decrypt_bytes(fh.read())
