"""Where uploaded files wait between preview and confirm: below ``MEDIA_ROOT/private/``,
random names, no URL (only the import pages read them, after checking the run's owner)."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateImportStorage(FileSystemStorage):
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
        raise ValueError("导入文件不提供下载地址。")


private_storage = PrivateImportStorage()
