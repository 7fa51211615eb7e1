"""The AI assistant's use cases, one class each: TextAssistant (text.py, streamed free text),
MessageGenerator (messages/, personalised fan messages) and PriceOptimizer (price_optimizer.py,
price suggestions). Its content-ideas tool is services.content_ideas' use case."""
