"""The composition root's helpers: each builds one part of the app from settings, by constructor.

`bot/app.py` calls them in order; the Telegram side (`telegram.py`) is built from the finished
app by `daybreak run`. Nothing outside this package and `bot/app.py` wires objects together.
"""
