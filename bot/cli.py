"""The `daybreak` command line."""

import click


@click.group()
def main() -> None:
    """Daybreak: iCBT in a messenger."""
