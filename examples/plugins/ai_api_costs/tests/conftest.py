"""The engine's pytest plugin: the `plugin_engine` fixture runs the plugin in a real engine."""

pytest_plugins = ["aetherlens_engine.testing"]
