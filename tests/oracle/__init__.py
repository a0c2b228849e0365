"""Independent oracles, run as separate processes by the tests and benchmarks."""
