"""`python -m bot` is the same as the `daybreak` command."""

from bot.cli import main

main()
