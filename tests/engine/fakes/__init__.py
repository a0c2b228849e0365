"""Fakes the engine tests run against: misbehaving plugins, protocol-faithful cloud APIs."""
