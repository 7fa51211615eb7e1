"""What a creator's uploaded file really is: its type sniffed from its first bytes (never from its
name or the client's content type), its dimensions and duration, and a thumbnail.

Pure and synchronous: no transport, no storage. Callers run these functions in a thread
(`asyncio.to_thread`); none reads a whole file into memory except `thumbnail`, which decodes the
image anyway.

    media = sniff(head)                  # the first HEAD_BYTES bytes; None: refuse the upload
    image_facts(file, media)             # ImageFacts(width, height), or InvalidArgument
    thumbnail(file, media)               # WebP (or JPEG) bytes, at most 320 px a side
    video_facts(file, media)             # VideoFacts(duration_seconds, width, height), fields None
                                         # when the metadata cannot be read
"""

from services.media.images import MAX_IMAGE_PIXELS, image_facts, thumbnail
from services.media.model import ImageFacts, MediaKind, MediaType, VideoFacts
from services.media.sniffing import ALLOWED, HEAD_BYTES, sniff
from services.media.video import video_facts

__all__ = [
    "ALLOWED",
    "HEAD_BYTES",
    "MAX_IMAGE_PIXELS",
    "ImageFacts",
    "MediaKind",
    "MediaType",
    "VideoFacts",
    "image_facts",
    "sniff",
    "thumbnail",
    "video_facts",
]
