"""Daybreak: the application (care services, transports, CLI)."""
