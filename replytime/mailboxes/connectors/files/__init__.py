"""Streaming readers for mail files: mbox (plain or compressed), pipermail archives, Maildir
trees and folders of single-message files. See `reader` for layouts, folders and provider ids."""

from __future__ import annotations

from replytime.mailboxes.connectors.files.reader import (
    FORMATS,
    detect_format,
    iter_messages,
    mbox_folder_name,
)

__all__ = ["FORMATS", "detect_format", "iter_messages", "mbox_folder_name"]
