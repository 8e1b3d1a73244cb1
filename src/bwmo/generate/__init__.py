"""Deterministic synthetic data: never real people (test-range BSNs, invented names)."""
