"""The pane snapshots reuse the Pilot tests' lab helpers, which live one directory up."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
