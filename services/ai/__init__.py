"""The AI service: providers, routing with fallback, retries, circuit breakers, prompt cache,
cost accounting and per-plan monthly budgets."""
