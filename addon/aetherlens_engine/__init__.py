"""AetherLens engine: records household energy and cloud costs and prices them exactly."""

__version__ = "0.1.0"
