"""The ``snnas`` command: one module per command group, one class per subcommand, ``main() -> int``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from snnas.errors import SnnasError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    from snnas._version import __version__
    from snnas.cli import evaluatecmd, mapcmd, searchcmd, tablecmd, targets

    parser = argparse.ArgumentParser(
        prog="snnas",
        description="Spiking neural network architecture search with neuromorphic hardware co-design.",
        epilog="Chips are YAML files: see 'snnas targets list'. Add your own with $SNNAS_TARGETS=DIR.",
    )
    parser.add_argument("--version", action="version", version=f"snnas {__version__}")
    groups = parser.add_subparsers(dest="group", metavar="COMMAND")
    targets.register(groups)
    mapcmd.register(groups)
    evaluatecmd.register(groups)
    searchcmd.register(groups)
    tablecmd.register(groups)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (0 ok, 1 a check failed, 2 bad usage or input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except SnnasError as exc:
        print(f"snnas: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("snnas: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `snnas targets list | head`
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
