"""Who is calling: what a verified access token tells the rest of the system."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    user_id: str
    plan: str  # "free" | "pro" | "enterprise"
