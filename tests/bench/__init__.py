"""Benchmarks, run by `make bench`; kept out of the pytest run (no test_*.py files here)."""
