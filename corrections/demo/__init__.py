"""The demo article page `make run` shows a newcomer (served only when DEMO is on)."""
