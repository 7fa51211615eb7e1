"""What the message generator takes and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# The contract's vocabularies (ai_assistant.proto's `in` lists, which protovalidate enforces;
# a test keeps these equal to them, and checks that the offline phrasing and the fan situations
# cover every value).
TONES = ("friendly", "flirty", "playful", "grateful", "professional", "casual")
SPEND_TIERS = ("new", "low", "medium", "high", "vip")
SUBSCRIPTION_STATUSES = ("active", "expired", "cancelled", "trial")
DEFAULT_TONE = "friendly"
DEFAULT_VARIANTS = 3


@dataclass(frozen=True)
class Recipient:
    name: str
    spend_tier: str | None = None
    last_purchase_at: datetime | None = None
    subscription_status: str | None = None


@dataclass(frozen=True)
class MessageContext:
    tone: str | None = None
    occasion: str | None = None
    language: str | None = None  # BCP 47


@dataclass(frozen=True)
class MessageRequest:
    template: str
    recipient: Recipient
    context: MessageContext = field(default_factory=MessageContext)
    variants: int = DEFAULT_VARIANTS


@dataclass(frozen=True)
class Message:
    text: str
    tone: str


@dataclass(frozen=True)
class GeneratedMessages:
    messages: list[Message]
    model: str  # the model that answered (AIResponse.model)
