"""What a call costs: token usage times the per-model price table from configuration.

Money is counted in integer micro-dollars (1 USD = 1_000_000) so sums are exact on every
database. A model missing from the table costs 0 and is reported as unpriced (a metric flags
it), because refusing the call would punish users for an operator's configuration gap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from services.ai.model import Usage

MICROS_PER_USD = 1_000_000


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input_per_million: float
    output_per_million: float


@dataclass(frozen=True)
class Cost:
    micros: int
    priced: bool

    @property
    def usd(self) -> float:
        return self.micros / MICROS_PER_USD


class PriceTable:
    def __init__(self, prices: Mapping[str, Price]) -> None:
        self._prices = dict(prices)

    def cost(self, model: str, usage: Usage) -> Cost:
        price = self._prices.get(model)
        if price is None:
            return Cost(0, priced=usage.total_tokens == 0)
        return Cost(_micros(price, usage.prompt_tokens, usage.completion_tokens), priced=True)

    def worst_case(self, models: list[str], *, prompt_tokens: int, max_tokens: int) -> int:
        """The most a call can cost on any of `models`: what a budget reservation holds."""
        return max(
            (
                _micros(price, prompt_tokens, max_tokens)
                for model in models
                if (price := self._prices.get(model)) is not None
            ),
            default=0,
        )


def _micros(price: Price, prompt_tokens: int, completion_tokens: int) -> int:
    # USD per million tokens == micro-dollars per token; round up so we never under-charge.
    return math.ceil(
        prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million
    )


def estimate_prompt_tokens(texts: list[str]) -> int:
    """An upper-leaning token estimate (about 3 characters per token for English, fewer for
    other scripts) used only to size reservations; the bill uses the API's own count."""
    return sum(len(text) // 3 + 4 for text in texts)
