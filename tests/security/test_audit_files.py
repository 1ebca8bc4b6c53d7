"""A file value in an audited change is recorded by its name, even on private storage with no URL."""
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile

from backend.audit import plain
from training.models import CreditRecord


class _NoUrlStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("此存储没有公开地址")


def test_private_stored_file_is_recorded_by_name(tmp_path):
    storage = _NoUrlStorage(location=str(tmp_path))
    name = storage.save("evidence/abc.pdf", ContentFile(b"%PDF-1.4"))
    field = CreditRecord._meta.get_field("evidence")
    value = FieldFile(None, field, name)
    value.storage = storage
    assert plain(value) == name


def test_uploaded_file_is_recorded_by_name():
    assert plain(ContentFile(b"x", name="证书.png")) == "证书.png"
