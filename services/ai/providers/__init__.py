"""AI providers: offline (deterministic, no network), OpenAI-compatible, Azure OpenAI."""
