"""Benchmark suite: ``python -m benchmarks`` (see README for the latest figures)."""
