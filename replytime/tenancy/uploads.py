"""Mail files uploaded in the browser: stored, imported by a background task, then deleted.

The import is the command line's (`ingestion.pipeline.run_import`). The file itself holds
message bodies, which replytime never keeps: it is removed as soon as the import has run,
whatever the outcome. A .zip is unpacked first (for Maildir or .eml folders).
"""

from __future__ import annotations

import logging
import re
import shutil
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from replytime.ingestion.models import ImportRun
from replytime.mailboxes.models import Mailbox
from replytime.tenancy.models import Account, Upload

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A zip may unpack to at most this many times the upload limit (a zip bomb stops there).
_UNPACK_FACTOR = 10


class UnpackError(ValueError):
    """The zip file cannot be unpacked safely."""


def upload_root() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (it becomes part of provider ids)."""
    base = _UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip("._")
    return base[:200] or "upload"


def store_upload(
    account: Account, mailbox: Mailbox, file: UploadedFile, *, fmt: str, user: object
) -> Upload:
    """Write the uploaded file under REPLYTIME_DATA/uploads/<id>/ and record it as queued."""
    upload = Upload(
        account=account,
        mailbox=mailbox,
        uploaded_by=user,
        file_name=safe_name(file.name or ""),
        size=file.size or 0,
        fmt=fmt,
    )
    folder = upload_root() / str(upload.public_id)
    folder.mkdir(parents=True, exist_ok=False)
    # Keep the original name: the import derives stable provider ids from it, so uploading
    # the same file again stores nothing twice.
    target = folder / upload.file_name
    with target.open("wb") as out:
        for chunk in file.chunks():
            out.write(chunk)
    upload.stored_path = str(target.relative_to(settings.DATA_DIR))
    upload.save()
    return upload


def _unpack(path: Path) -> Path:
    limit = settings.REPLYTIME_UPLOAD_MAX_MB * 1024 * 1024 * _UNPACK_FACTOR
    target = path.parent / path.stem
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnpackError("the file ends in .zip but is not a zip file") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if sum(m.file_size for m in members) > limit:
            raise UnpackError("the zip file unpacks to more than the upload limit allows")
        for member in members:
            parts = Path(member.filename.replace("\\", "/")).parts
            if member.filename.startswith("/") or ".." in parts:
                raise UnpackError("the zip file holds paths outside its folder")
            destination = target.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, destination.open("wb") as out:
                shutil.copyfileobj(src, out)
    return target


def import_source(upload: Upload) -> Path:
    """The path the import reads (the unpacked folder for a zip)."""
    path = Path(settings.DATA_DIR) / upload.stored_path
    return path.parent / path.stem if _is_zip(upload) else path


def _is_zip(upload: Upload) -> bool:
    return upload.file_name.lower().endswith(".zip")


def find_import_run(upload: Upload) -> ImportRun | None:
    """The ImportRun of this upload, once the import has started (matched by its source)."""
    if upload.import_run_id:
        return upload.import_run
    if not upload.stored_path:
        return None
    source = str(import_source(upload))
    return ImportRun.objects.filter(mailbox=upload.mailbox, source=source).order_by("-id").first()


def run_upload(upload_id: int) -> None:
    """Import a queued upload (the background task calls this); safe to call twice."""
    from replytime.ingestion.pipeline import run_import

    claimed = Upload.objects.filter(pk=upload_id, status=Upload.Status.QUEUED).update(
        status=Upload.Status.RUNNING
    )
    if not claimed:
        return
    upload = Upload.objects.select_related("mailbox").get(pk=upload_id)
    path = Path(settings.DATA_DIR) / upload.stored_path
    try:
        source = _unpack(path) if _is_zip(upload) else path
        run = run_import(upload.mailbox, [source], fmt=upload.fmt)
        upload.import_run = run
        upload.status = Upload.Status.DONE
    except Exception as exc:  # the task must record every failure for the page to show it
        log.warning("upload %s failed: %s", upload.public_id, type(exc).__name__)
        upload.import_run = find_import_run(upload)
        upload.status = Upload.Status.FAILED
        upload.error = _describe(exc)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    upload.stored_path = ""
    upload.finished_at = timezone.now()
    upload.save()


def _describe(exc: Exception) -> str:
    # Our own ValueErrors say what to fix; anything else is reported by its type only, so no
    # header content from a parser message can reach the page.
    if isinstance(exc, ValueError):
        return str(exc)[:500]
    return f"The import stopped ({type(exc).__name__}). Check the file and try again."
