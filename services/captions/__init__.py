"""Captions and hashtags for a content item or a draft caption (the seed's
ContentGenerationService.optimizeCaption / suggestHashtags), through the AI service."""
