"""What every ``qantar`` command shares: the ``--store`` option and the invocation's settings.

Below service.cli and the command modules beside their code (service.imports.commands), so
that those need not import the command line that attaches them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from service.config import SETTING, Settings

store_option = click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Store directory (default: $QANTAR_STORE or {SETTING['QANTAR_STORE'].default}).",
)


def command_settings(ctx: click.Context, store: Path | None = None) -> Settings:
    """The settings of this invocation, with ``--store`` applied."""
    settings: Settings = ctx.find_object(Settings) or Settings.from_env()
    if store is not None:
        settings = dataclasses.replace(settings, store=store.absolute())
    return settings
