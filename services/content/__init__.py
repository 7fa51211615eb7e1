"""The creator's content library (drafts the AI saves, and what the content-creation service
will schedule)."""
