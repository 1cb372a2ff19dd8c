"""Files and images, stored once for the whole exchange (docs/files.md).

Chat messages, practices and sessions attach them; this package stores,
examines, serves and forgets them, and knows none of its owners.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    # Imported here, not above: importing exchange.files.models (as every owner's
    # models do) runs this file first, and must not pull in the services.
    from . import owners
    from . import schemas
    from . import services
    from . import storage

    storage.init_app(app)
    owners.init_app(app)
    services.init_app(app)
    app.add_template_global(schemas.file_view)
