"""On Air: the entry point (`onair`, `python main.py`).

It parses the command line (cli.py), builds the services (services.py) and runs the
command or the desktop app over them; errors of the project's own kind become one line
and an exit code (DESIGN.md: 2 bad input, 3 a source could not be reached).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from infra.errors import OnAirError


def main(argv: Sequence[str] | None = None) -> int:
    # Kivy reads these at import time: no argv parsing, no console log spam.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    # Keep sys.stderr ours: Kivy's default log mode replaces it, and our one-line errors vanish.
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    from cli import build_parser, dispatch
    from services import Services

    args = build_parser().parse_args(argv)
    svc = Services(getattr(args, "stations", None))
    try:
        return dispatch(args, svc)
    except OnAirError as err:
        print(f"onair: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        svc.close()


if __name__ == "__main__":
    sys.exit(main())
