"""The message generator use case (the spec's personalizeMessage): fill the creator's template
for the fan, have the model rewrite it into `variants` messages, send only acceptable ones.

Metered (services.billing.metering): the `variants` units are reserved once the request passed
its rules, before the model is called, and given back if the generation fails."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.ai.ports import StructuredAI
from services.assistant.messages.model import (
    DEFAULT_TONE,
    GeneratedMessages,
    Message,
    MessageRequest,
)
from services.assistant.messages.offline import compose_variants
from services.assistant.messages.parsing import messages_parser
from services.assistant.messages.prompt import build_request, message_inputs
from services.assistant.messages.restricted import RestrictedWords
from services.assistant.messages.rules import acceptable, checked_template, refuse_restricted
from services.billing.metering import MessageMeter
from services.common.clock import Clock
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory
from services.errors import NotFound
from services.users.ports import UsersUnitOfWork

logger = logging.getLogger("huntaze.assistant.messages")


class MessageGenerator:
    def __init__(
        self,
        ai: StructuredAI,
        uow_factory: UnitOfWorkFactory[UsersUnitOfWork],
        meter: MessageMeter,
        *,
        clock: Clock,
    ) -> None:
        self._ai = ai
        self._uow = uow_factory
        self._meter = meter
        self._clock = clock

    async def generate(self, caller: Principal, request: MessageRequest) -> GeneratedMessages:
        """Exactly `request.variants` messages, each spending one unit; InvalidArgument (before
        any model call, nothing spent) for a template the rules refuse, PaymentRequired when
        the allowance and credits fall short. Never served from the prompt cache: they are
        personal."""
        days = days_since(request.recipient.last_purchase_at, self._clock())
        template = checked_template(request, days)
        creator_name, restricted_words = await self._creator(caller.user_id)
        name = request.recipient.name.strip()
        first_name = name.split()[0]
        restricted = RestrictedWords(
            restricted_words, exempt_names=(name, first_name, creator_name)
        )
        values = {
            "name": name,
            "first_name": first_name,
            "occasion": (request.context.occasion or "").strip(),
            "days_since_purchase": "" if days is None else str(days),
            "creator_name": creator_name,
        }
        filled = template.fill(values)
        refuse_restricted(restricted, template, request.context.occasion, filled)

        tone = request.context.tone or DEFAULT_TONE
        inputs = message_inputs(
            request,
            tone=tone,
            filled=filled,
            values=values,
            days_since_purchase=days,
            restricted_words=restricted.words,
        )
        reservation = await self._meter.reserve(caller.user_id, request.variants)
        try:
            parsed = await self._ai.complete_parsed(
                build_request(inputs),
                messages_parser(count=request.variants, tone=tone, filled_template=filled),
                caller=caller,
                cache=False,
            )
        except BaseException:
            await self._meter.give_back(reservation, request.variants)
            raise
        kept = acceptable(parsed.value, restricted)
        if len(kept) < request.variants:
            logger.info(
                "replaced %d generated message variant(s) with offline ones",
                request.variants - len(kept),
                extra={"model": parsed.response.model},
            )
            kept += compose_variants(inputs, request.variants - len(kept), exclude=kept)
        return GeneratedMessages(
            messages=[Message(text=text, tone=tone) for text in kept],
            model=parsed.response.model,
        )

    async def _creator(self, user_id: str) -> tuple[str, tuple[str, ...]]:
        async with self._uow(write=False) as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            return user.name, user.profile.restricted_words


def days_since(moment: datetime | None, now: datetime) -> int | None:
    """Whole days; a moment slightly ahead of `now` (clock skew, which the contract tolerates)
    counts as today. Naive datetimes are taken as UTC."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return max(0, (now - aware).days)
