"""Personalised fan messages (the spec's personalizeMessage), split by job like content_ideas/:

- model.py: the request and the answer;
- templates.py: `{{variable}}` templates, parsed and filled;
- rules.py: what the contract cannot state (variables need values, restricted words);
- restricted.py: matching a creator's restricted words (names exempt);
- fans.py: what a message should achieve with this fan;
- prompt.py and parsing.py: the model's request and its answer;
- offline.py: the composer that writes variants without a model;
- service.py: the use case, MessageGenerator.

Restricted words (the creator's profile): a template or occasion containing one is refused
(400). Generated variants containing one (case-insensitive, whole word; the fan's and the
creator's names, as spelled, are exempt) are never returned: they are dropped, like duplicates
and variants with leftover `{{placeholders}}`, and replaced by variants from the offline
composer, so exactly `variants` messages always come back.
"""
