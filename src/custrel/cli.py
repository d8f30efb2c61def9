"""The ``custrel`` command line: a thin composition of the public API."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from custrel.data import calibration_holdout
from custrel.datasets import load_cdnow
from custrel.errors import CustrelError

__all__ = ["main"]


def _demo(args: argparse.Namespace) -> int:
    tx = load_cdnow()
    summary = calibration_holdout(
        tx, calibration_end="1997-09-30", observation_end="1998-06-30", period="W"
    )
    print("custrel demo: CDNOW sample (Fader, Hardie & Lee 2005), time unit = week")
    print(f"  transactions: {len(tx):,} rows, customers: {len(summary):,}")
    print(f"  one-time buyers in calibration: {int((summary['frequency'] == 0).sum()):,}")
    print(f"  repeat purchases in calibration: {int(summary['frequency'].sum()):,}")
    print(f"  purchases in the 39-week holdout: {int(summary['frequency_holdout'].sum()):,}")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(summary.head(args.rows).round(3).to_string())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custrel", description="Customer-relationship analytics from transaction logs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the main job on the bundled CDNOW data")
    demo.add_argument("--out", default="custrel-demo", help="output directory")
    demo.add_argument("--rows", type=int, default=10, help="rows of the summary to print")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CustrelError as exc:
        first = str(exc).splitlines()[0]
        print(f"custrel: error: {first}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
