"""The AI assistant's tools: personalised fan messages and price suggestions."""
