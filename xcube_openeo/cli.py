"""The ``xcube-openeo`` command line."""

from __future__ import annotations

import click

from xcube_openeo.auth.passwords import hash_password


@click.group()
def main() -> None:
    """xcube-openeo: helpers for running the openEO back-end."""


@main.command("hash-password")
@click.option(
    "--password",
    envvar="XCUBE_OPENEO_PASSWORD",
    default=None,
    help="The password (default: asked for, without echo).",
)
def hash_password_command(password: str | None) -> None:
    """Print a scrypt hash of a password, for 'Password' in the user configuration."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise click.UsageError("The password must not be empty.")
    click.echo(hash_password(password))


if __name__ == "__main__":
    main()
