"""AIO0xx: problems with the file itself, reported by the engine before any rule runs."""
from __future__ import annotations

from .base import Rule


class UnreadableFile(Rule):
    """Metadata only: the engine reports AIO001 when reading, decoding or parsing fails."""

    code = "AIO001"
    name = "unreadable-file"
    summary = "the file cannot be read, decoded or parsed"
