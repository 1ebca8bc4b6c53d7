"""Small builders for training tests: evidence files and records made through the services."""
from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from training import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def upload(name: str = "证书.pdf", content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def log(teacher, user, *, title="师德专题网络研修", level="city", mode="online", hours="24", year=2024, **kwargs):
    return services.credit_log(teacher=teacher, user=user, title=title, level=level, mode=mode,
                               hours=Decimal(str(hours)), year=year, **kwargs)


def approved(teacher, approver, **kwargs):
    record = log(teacher, teacher.user if hasattr(teacher, "user") else approver, **kwargs)
    return services.credit_approve(record=record, user=approver)
