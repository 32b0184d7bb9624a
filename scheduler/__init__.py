"""Time: the Clock, what is due when, and the clockwork that sweeps it."""
