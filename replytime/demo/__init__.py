"""Realistic, deterministic demo data for replytime (pure Python, no database).

`build_account()` describes an organisation (Acme, on reserved `.example` / `.test` domains) with
teams, team addresses and mailboxes; `generate_records()` streams the header records its
mailboxes would hold over a window of days, in the shape the ingestion pipeline stores
(`HeaderRecord`). See `replytime.demo.generator` for the contract.
"""

from __future__ import annotations

from replytime.demo.generator import (
    DemoAccount,
    DemoMailbox,
    DemoTeam,
    build_account,
    generate_records,
)

__all__ = ["DemoAccount", "DemoMailbox", "DemoTeam", "build_account", "generate_records"]
