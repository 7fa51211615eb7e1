"""A piece of the creator's content."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ContentItem:
    id: str
    user_id: str
    title: str
    body: str
    type: str  # "photo" | "video" | "story" | "live"
    status: str  # "draft", ...
    ai_generated: bool
    created_at: datetime
    updated_at: datetime
