"""The streaming .xlsx writer moved to ``core.spreadsheets`` (one writer for every download,
issue 17); this name stays for ``personnel.national`` until it imports it from there."""
from core.spreadsheets import Sheet, Workbook  # noqa: F401
