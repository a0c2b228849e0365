"""The AetherLens plugin dayahead_prices: day-ahead prices as the engine's price series."""
