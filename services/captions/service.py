"""The caption use case: captions and hashtags for a content item or a draft caption, written by
the routed AI service (offline by default; cached and budgeted like every AI task), none of
which contains one of the creator's restricted words."""

from __future__ import annotations

from services.ai.ports import StructuredAI
from services.assistant.messages.restricted import RestrictedWords
from services.captions.model import MAX_CAPTION_CHARS, Caption, CaptionRequest, Captions
from services.captions.offline import compose
from services.captions.parsing import captions_parser
from services.captions.prompt import build_request, caption_inputs
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory
from services.content.ports import ContentUnitOfWork
from services.errors import FieldViolation, InvalidArgument, NotFound


class CaptionAssistant:
    def __init__(self, ai: StructuredAI, uow_factory: UnitOfWorkFactory[ContentUnitOfWork]) -> None:
        self._ai = ai
        self._uow = uow_factory

    async def suggest(self, caller: Principal, request: CaptionRequest) -> Captions:
        """InvalidArgument for a draft caption that contains a restricted word (before any
        model call); NotFound for a content item that is not the caller's."""
        source, niches, restricted = await self._facts(caller, request)
        if request.caption and (word := restricted.find(request.caption)):
            raise InvalidArgument(
                f"caption contains the restricted word {word!r}",
                [FieldViolation("caption", f"contains {word!r}", "caption.restricted_word")],
            )
        inputs = caption_inputs(
            source=source,
            platform=request.platform,
            variants=request.variants,
            max_hashtags=request.max_hashtags,
            niches=niches,
            restricted_words=restricted.words,
        )
        parsed = await self._ai.complete_parsed(
            build_request(inputs),
            captions_parser(
                count=request.variants,
                max_chars=MAX_CAPTION_CHARS[request.platform],
                max_hashtags=request.max_hashtags,
            ),
            caller=caller,
            cache=True,
        )
        kept = [_without_restricted(c, restricted) for c in parsed.value]
        acceptable = [c for c in kept if c is not None]
        if len(acceptable) < request.variants:
            acceptable += compose(
                inputs, request.variants - len(acceptable), exclude=[c.text for c in acceptable]
            )
        return Captions(acceptable, parsed.response.model)

    async def _facts(
        self, caller: Principal, request: CaptionRequest
    ) -> tuple[str, tuple[str, ...], RestrictedWords]:
        async with self._uow(write=False) as uow:
            user = await uow.users.get(caller.user_id)
            item = (
                await uow.content.get(caller.user_id, request.content_id)
                if request.content_id
                else None
            )
        if user is None:
            raise NotFound("user not found")
        if request.content_id and item is None:
            raise NotFound("no such content item")
        source = f"{item.title}. {item.body}".strip() if item is not None else request.caption
        restricted = RestrictedWords(user.profile.restricted_words, exempt_names=(user.name,))
        return source, user.profile.niches, restricted


def _without_restricted(caption: Caption, restricted: RestrictedWords) -> Caption | None:
    """The caption with its offending hashtags dropped; None when its text is refused."""
    if not restricted.allows(caption.text):
        return None
    tags = tuple(tag for tag in caption.hashtags if restricted.allows(tag.lstrip("#")))
    return Caption(caption.text, tags)
