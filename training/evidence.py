"""Evidence files (证明材料): PDF, JPEG or PNG, recognised by content, stored privately.

Files are kept under ``MEDIA_ROOT/private/`` with a random name and no public URL: the only
way to read one is ``training:evidence``, which checks the user's scope first.
"""
from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from backend.storage import PrivateStorage as BasePrivateStorage
from django.utils.translation import gettext as _

# content signature → (extension, content type)
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
]
EXTENSIONS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
CONTENT_TYPES = {ext: ctype for _sig, ext, ctype in SIGNATURES}


@deconstructible
class PrivateStorage(BasePrivateStorage):
    """Kept as its own name: migrations refer to it."""

    no_url_message = "证明材料没有公开地址，请通过 training:evidence 访问。"


private_storage = PrivateStorage()


def evidence_path(instance, filename: str) -> str:
    """A random name; the extension is the one the content was recognised as."""
    ext = Path(filename).suffix.lower().lstrip(".") or "bin"
    return f"evidence/{uuid.uuid4().hex}.{EXTENSIONS.get(ext, ext)}"


def sniff(head: bytes) -> str | None:
    """The extension the first bytes of a file show (pdf/jpg/png), or None."""
    for signature, ext, _ctype in SIGNATURES:
        if head.startswith(signature):
            return ext
    return None


def check_evidence(upload) -> str:
    """Validate an uploaded file; returns the detected extension. Raises ValidationError in Chinese."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("证明材料不能超过 %(mb)s MB（该文件 %(size)s MB）。")
            % {"mb": f"{limit / 1024 / 1024:.0f}", "size": f"{upload.size / 1024 / 1024:.1f}"},
            code="too_large",
        )
    if not upload.size:
        raise ValidationError(_("证明材料是空文件。"), code="empty")
    claimed = EXTENSIONS.get(Path(upload.name or "").suffix.lower().lstrip("."))
    if claimed is None:
        raise ValidationError(_("证明材料只能是 PDF、JPG 或 PNG 文件。"), code="extension")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    actual = sniff(head)
    if actual is None:
        raise ValidationError(_("文件内容不是 PDF、JPG 或 PNG（可能只是改了扩展名）。"), code="content")
    if actual != claimed:
        raise ValidationError(
            _("文件内容是 %(actual)s，与扩展名 %(claimed)s 不符。") % {"actual": actual.upper(), "claimed": claimed.upper()},
            code="mismatch",
        )
    return actual


def content_type_of(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower().lstrip("."), "application/octet-stream")


def evidence_response(file, name: str = ""):
    """A private evidence file as a download: its type fixed from the name (the content was checked
    to be PDF/JPEG/PNG on upload, never sniffed), not cached, under its uploaded ``name``.
    404 when the file is gone from storage."""
    from django.http import FileResponse, Http404

    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type_of(file.name),
                            filename=name or file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
