"""The terminal messenger behind `daybreak chat`."""
