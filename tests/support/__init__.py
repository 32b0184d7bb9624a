"""Helpers shared by the integration, end-to-end and benchmark code (not a test module)."""
