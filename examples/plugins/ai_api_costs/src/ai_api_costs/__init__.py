"""The AetherLens plugin ai_api_costs: an AI API organisation's daily costs."""
