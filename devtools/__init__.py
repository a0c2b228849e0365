"""Development tools: real services (Home Assistant) for tests, benchmarks and local runs."""
