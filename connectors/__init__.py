"""Connectors: one module per external format, each a :class:`hub.ingest.connector.Connector`.

``CONNECTORS`` maps the command-line name to the class; only the composition root (the CLI, the
API) picks one. Importing this package builds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from connectors.aeo_register import AeoRegisterConnector
from connectors.asycuda import AsycudaConnector
from connectors.ephyto import EphytoConnector
from connectors.seed_plus import SeedPlusConnector
from connectors.wco_dec import WcoDecConnector
from hub.errors import InputError
from hub.ingest.connector import Connector

CONNECTORS: Mapping[str, Callable[[], Connector]] = {
    WcoDecConnector.name: WcoDecConnector,
    EphytoConnector.name: EphytoConnector,
    AsycudaConnector.name: AsycudaConnector,
    SeedPlusConnector.name: SeedPlusConnector,
    AeoRegisterConnector.name: AeoRegisterConnector,
}


def connector(name: str) -> Connector:
    """The connector called ``name``. Raises InputError naming the known ones."""
    make = CONNECTORS.get(name)
    if make is None:
        raise InputError(f"unknown connector {name!r}; use one of {', '.join(CONNECTORS)}")
    return make()
