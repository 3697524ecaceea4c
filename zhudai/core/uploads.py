"""Uploaded documents: the allowed types and size limit, and encrypted storage under MEDIA_ROOT.

Customer attachments, loan documents and files attached to approval actions all pass through
here, so every upload is checked the same way and no file is ever stored in clear.
"""

import os

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


def file_response(data, content_type, name, *, inline_allowed=True):
    """A decrypted document for the browser: PDFs and pictures open in place, the rest download;
    never kept in a shared cache."""
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    response = HttpResponse(data, content_type=content_type)
    inline = inline_allowed and content_type in INLINE_TYPES
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["Cache-Control"] = "private, no-store"
    return response


class UploadForm(forms.Form):
    """A document upload with a note; subclasses add the `kind` choice. The type and size limits are
    checked here for the form's message, and again by the service that stores the file."""

    file = forms.FileField(label=gettext_lazy("文件"))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False,
                           widget=forms.TextInput(attrs={"placeholder": gettext_lazy("说明（可选）")}))

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        check_upload(upload, settings.ATTACHMENT_MAX_BYTES)
        return upload
