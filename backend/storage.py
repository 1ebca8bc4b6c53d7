"""Private file storage: below ``MEDIA_ROOT/private/``, random names chosen by the caller, and
no URL — files are read only through views that check the user's scope first (training evidence,
import uploads). The web server must never serve ``MEDIA_ROOT`` itself."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """A file system storage with no public address."""

    no_url_message = "该文件没有公开地址，只能通过有权限检查的页面读取。"

    def __init__(self):
        super().__init__()

    @property
    def base_location(self):
        return Path(settings.MEDIA_ROOT) / "private"

    @property
    def location(self):
        return str(Path(self.base_location).resolve())

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError(self.no_url_message)
