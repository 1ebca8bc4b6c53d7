"""The limits an uploaded file is held to (``imports.readers.open_workbook``), from the settings,
which read them from the environment: ``IMPORT_MAX_BYTES`` (the file), ``IMPORT_MAX_UNCOMPRESSED_BYTES``
(its parts once inflated) and ``IMPORT_MAX_CELLS`` (a sheet's cell grid). A province-sized roster
(500,000 teachers: 98 MB, 1.1 GB of XML, 22 million cells) needs all three raised."""
from __future__ import annotations

from django.conf import settings

from .readers import DEFAULT_MAX_CELLS, DEFAULT_MAX_SIZE, DEFAULT_MAX_UNCOMPRESSED


def upload_limits() -> dict[str, int]:
    """``open_workbook``'s keyword arguments ``max_size``, ``max_uncompressed`` and ``max_cells``."""
    return {
        "max_size": getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_SIZE),
        "max_uncompressed": getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED),
        "max_cells": getattr(settings, "IMPORT_MAX_CELLS", DEFAULT_MAX_CELLS),
    }
