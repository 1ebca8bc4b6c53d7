"""Where uploaded files wait between preview and confirm: below ``MEDIA_ROOT/private/``,
random names, no URL (only the import pages read them, after checking the run's owner)."""
from __future__ import annotations

from django.utils.deconstruct import deconstructible

from backend.storage import PrivateStorage


@deconstructible
class PrivateImportStorage(PrivateStorage):
    """Kept as its own name: migrations refer to it."""

    no_url_message = "导入文件不提供下载地址。"


private_storage = PrivateImportStorage()
