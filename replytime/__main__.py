from __future__ import annotations

from replytime.cli import main

main()
