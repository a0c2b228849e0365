"""Real HTTP servers on 127.0.0.1 for the tests: the plugin SDK's own helper."""

from aetherlens_engine.testing import serve_app

__all__ = ["serve_app"]
