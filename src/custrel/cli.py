"""The ``custrel`` command line: a thin composition of the public API.

Two commands:

``custrel report INPUT --customer-col C --date-col D --amount-col A --out DIR``
    the main job on your own transaction log (CSV, TSV or Parquet);
``custrel demo [--out DIR]``
    the same on the bundled CDNOW sample (Fader, Hardie & Lee 2005).

Both write ``DIR/customers.csv`` (one row per customer), ``DIR/models.json``
(fitted models, the model choice and why), ``DIR/segments.csv`` (segment
profiles) and ``DIR/report.html`` (a self-contained report), then print a
short summary. Bad input ends with a one-line message and exit code 2.
custrel makes no network request.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from custrel.data import TimeUnit, TransactionColumns
from custrel.errors import CustrelError, ParameterError, SchemaError

if TYPE_CHECKING:
    from custrel.report.profile import CRMConfig

__all__ = ["main"]

_EXIT_BAD_INPUT = 2
_HORIZON = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-z]*)\s*$")


class _Progress:
    """Progress of the long steps on stderr: a bar on a terminal, plain lines otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None, *, enabled: bool = True) -> None:
        self.total = max(total, 1)
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.done = 0
        self.start = time.perf_counter()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, step: str) -> None:
        if not self.enabled:
            return
        self.done = min(self.done + 1, self.total)
        elapsed = time.perf_counter() - self.start
        if self.tty:
            width = 24
            filled = round(width * (self.done - 1) / self.total)
            bar = "#" * filled + "-" * (width - filled)
            line = f"\r[{bar}] {self.done}/{self.total} {step[:60]:<60} {elapsed:5.1f}s"
            self.stream.write(line)
        else:
            self.stream.write(f"custrel: [{self.done}/{self.total}] {step} ({elapsed:.1f}s)\n")
        self.stream.flush()

    def finish(self) -> None:
        """End the bar line (terminal only)."""
        if self.enabled and self.tty:
            elapsed = time.perf_counter() - self.start
            self.stream.write(f"\r[{'#' * 24}] done in {elapsed:.1f}s{' ' * 70}\n")
            self.stream.flush()


def _horizon(text: str) -> tuple[float, str | None]:
    """Parse ``52``, ``52W``, ``12M`` or ``1Y`` into (amount, unit or None)."""
    m = _HORIZON.match(text)
    if not m:
        msg = f"--horizon must be a number with an optional unit (52, 52W, 12M, 1Y); got {text!r}."
        raise ParameterError(msg)
    unit = m.group(2) or None
    if unit is not None:
        try:
            TimeUnit.parse(unit)
        except ParameterError as exc:
            msg = f"--horizon unit must be D, W, M, Q or Y (e.g. 12M); got {text!r}."
            raise ParameterError(msg) from exc
    return float(m.group(1)), unit


def _error_line(exc: BaseException) -> str:
    """One line naming every problem (DataValidationError lists them in ``problems``)."""
    problems = getattr(exc, "problems", ())
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if problems:
        head = text.split(":")[0]
        text = f"{head}: " + "; ".join(problems)
    return text.replace(
        "Map your names with TransactionColumns(...).",
        "Name your columns with --customer-col, --date-col and --amount-col.",
    )


def _read_attributes(path: str, customer_col: str) -> pd.DataFrame:
    file = Path(path)
    if not file.exists():
        msg = f"attributes file {path!r} does not exist."
        raise SchemaError(msg)
    frame = pd.read_csv(file, sep="\t" if file.suffix.lower() == ".tsv" else ",")
    for col in (customer_col, "customer_id"):
        if col in frame.columns:
            out = frame.set_index(col)
            out.index.name = "customer_id"
            return out
    msg = (
        f"attributes file {path!r} needs a customer id column named {customer_col!r} or "
        f"'customer_id'; it has {list(frame.columns)[:10]}."
    )
    raise SchemaError(msg)


def _pseudonymizer(args: argparse.Namespace, out: Path) -> tuple[object | None, str | None]:
    """Load or create the key; return (Pseudonymizer, message about the key file)."""
    if not args.pseudonymize:
        return None, None
    from custrel.report.privacy import (
        Pseudonymizer,
        generate_key,
        read_key_file,
        write_key_file,
    )

    key_file = Path(args.key_file) if args.key_file else out.parent / f"{out.name}.key"
    resolved_out = out.resolve()
    if resolved_out == key_file.resolve().parent or resolved_out in key_file.resolve().parents:
        msg = (
            f"the key file {str(key_file)!r} must not be inside the output directory "
            f"{str(out)!r}: outputs are meant to be shared, the key is not."
        )
        raise ParameterError(msg)
    if key_file.exists():
        key = read_key_file(key_file)
        note = f"pseudonyms made with the existing key in {key_file}"
    else:
        key = generate_key()
        write_key_file(key_file, key)
        note = (
            f"new pseudonymisation key written to {key_file} (owner-only permissions); "
            "keep it to map ids consistently in later runs, and never share it"
        )
    return Pseudonymizer(key=key), note


def _run(
    source: object,
    *,
    args: argparse.Namespace,
    columns: TransactionColumns,
    settings: object,
    attributes: pd.DataFrame | None,
) -> int:
    from custrel.report.pipeline import ReportSettings, run_report
    from custrel.report.privacy import Pseudonymizer

    assert isinstance(settings, ReportSettings)
    out = Path(args.out)
    pseudo, key_note = _pseudonymizer(args, out)
    progress = _Progress(total=settings.progress_steps, enabled=not args.quiet)
    report = run_report(
        source,  # type: ignore[arg-type]
        columns=columns,
        attributes=attributes,
        settings=settings,
        progress=progress,
    )
    paths = report.write(
        out, pseudonymizer=pseudo if isinstance(pseudo, Pseudonymizer) else None, progress=progress
    )
    progress.finish()
    _summary(report, paths, key_note)
    return 0


def _summary(report: object, paths: dict[str, Path], key_note: str | None) -> None:
    from custrel.report.pipeline import CRMReport
    from custrel.report.tables import headline_numbers

    assert isinstance(report, CRMReport)
    h = headline_numbers(report.profile)
    choice = report.models["choice"]
    print(f"custrel: {report.settings.title}, evaluated on {report.base.as_of.date()}")
    line = f"  customers: {int(h['customers']):,}"
    if "active" in h:
        line += f"  active: {int(h['active']):,}"
        if "at_risk" in h:
            line += f" (of which at risk: {int(h['at_risk']):,})"
        line += f"  lost: {int(h['lost']):,}"
    print(line)
    if "customer_equity" in h:
        print(f"  customer equity (sum of CLV): {h['customer_equity']:,.2f}")
    print(f"  purchase model: {choice['label']}. {choice['reason']}")
    print("  files:")
    for name, path in paths.items():
        print(f"    {name:<10} {path}")
    if key_note:
        print(f"  {key_note}")


def _report(args: argparse.Namespace) -> int:
    from custrel.report.pipeline import ReportSettings

    columns = TransactionColumns(
        customer_id=args.customer_col, date=args.date_col, amount=args.amount_col
    )
    attributes = _read_attributes(args.attributes, args.customer_col) if args.attributes else None
    return _run(
        args.input,
        args=args,
        columns=columns,
        settings=ReportSettings(
            title=args.title,
            as_of=args.as_of,
            calibration_end=args.calibration_end,
            model=args.model,
            crm=_crm_config(args),
            top_n=args.top,
        ),
        attributes=attributes,
    )


def _crm_config(args: argparse.Namespace) -> CRMConfig:
    from custrel.report.profile import CRMConfig

    amount, unit = _horizon(args.horizon)
    return CRMConfig(
        period=TimeUnit.parse(args.period).name,
        horizon=amount,
        horizon_period=unit,
        discount_rate=args.discount_rate,
    )


def _demo(args: argparse.Namespace) -> int:
    from custrel.datasets import load_cdnow
    from custrel.report.pipeline import ReportSettings

    settings = ReportSettings(
        title="CDNOW customers (Fader, Hardie & Lee 2005 sample)",
        as_of="1998-06-30",
        calibration_end="1997-09-30",
        model=args.model,
        crm=_crm_config(args),
        top_n=args.top,
    )
    return _run(
        load_cdnow(),
        args=args,
        columns=TransactionColumns(),
        settings=settings,
        attributes=None,
    )


def _common(p: argparse.ArgumentParser, *, out_default: str | None) -> None:
    out_help = "output directory (created if missing)"
    if out_default is None:
        p.add_argument("--out", required=True, metavar="DIR", help=out_help)
    else:
        p.add_argument(
            "--out", default=out_default, metavar="DIR", help=f"{out_help}; default %(default)s"
        )
    p.add_argument(
        "--period",
        default="week",
        help="time unit of recency, T and the models: day, week, month, quarter, year "
        "(or D/W/M/Q/Y); default %(default)s",
    )
    p.add_argument(
        "--horizon",
        default="52W",
        help="horizon of expected purchases and CLV: a number with a unit such as 52W, 12M "
        "or 1Y (a bare number is in --period units); default %(default)s",
    )
    p.add_argument(
        "--discount-rate",
        type=float,
        default=0.10,
        metavar="RATE",
        help="annual discount rate of the CLV, e.g. 0.10 for 10%% a year; default %(default)s",
    )
    p.add_argument(
        "--model",
        choices=("auto", "bgnbd", "mbgnbd", "paretonbd"),
        default="auto",
        help="purchase model; 'auto' fits BG/NBD, MBG/NBD and Pareto/NBD on a calibration "
        "period and keeps the one that predicts the holdout period best; default %(default)s",
    )
    p.add_argument(
        "--pseudonymize",
        action="store_true",
        help="replace customer ids in every output by keyed HMAC-SHA256 hashes",
    )
    p.add_argument(
        "--key-file",
        metavar="FILE",
        help="pseudonymisation key: read if it exists, else generated and written there with "
        "owner-only permissions; default DIR.key next to the output directory (never inside it)",
    )
    p.add_argument(
        "--top", type=int, default=50, metavar="N", help="rows of the win-back and upgrade lists"
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="custrel",
        description="Customer-relationship analytics from transaction logs. "
        "custrel runs locally and never sends data anywhere.",
    )
    from custrel import __version__

    parser.add_argument("--version", action="version", version=f"custrel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rep = sub.add_parser(
        "report",
        help="the full analysis of your own transaction log",
        description="Validate a transaction log, choose and fit a purchase model, value and "
        "classify every customer, and write customers.csv, models.json, segments.csv and "
        "report.html to the output directory.",
    )
    rep.add_argument("input", help="transaction log: .csv, .tsv or .parquet")
    rep.add_argument(
        "--customer-col",
        default="customer_id",
        metavar="C",
        help="customer id column; default %(default)s",
    )
    rep.add_argument(
        "--date-col", default="date", metavar="D", help="date column; default %(default)s"
    )
    rep.add_argument(
        "--amount-col",
        default="amount",
        metavar="A",
        help="amount column (negative = return); default %(default)s",
    )
    rep.add_argument(
        "--as-of",
        metavar="DATE",
        help="evaluation date (inclusive), e.g. 2024-12-31; default the last transaction date",
    )
    rep.add_argument(
        "--calibration-end",
        metavar="DATE",
        help="end of the calibration period of the model comparison; default two thirds "
        "into the data",
    )
    rep.add_argument(
        "--attributes",
        metavar="FILE",
        help="CSV of customer attributes (survey scores such as attitude, satisfaction, "
        "recommend; share_of_wallet; ...) with the customer id column",
    )
    rep.add_argument("--title", default="Customer relationship report", help="report title")
    _common(rep, out_default=None)
    rep.set_defaults(func=_report)
    demo = sub.add_parser(
        "demo",
        help="the full analysis on the bundled CDNOW data",
        description="Run the main job on the CDNOW sample shipped with lifetimes (2,357 "
        "customers; calibration to 1997-09-30, holdout to 1998-06-30).",
    )
    _common(demo, out_default="custrel-demo")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 success, 2 bad input or usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except (CustrelError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        sys.stderr.write("\n" if sys.stderr.isatty() else "")
        print(f"custrel: error: {_error_line(exc)}", file=sys.stderr)
        return _EXIT_BAD_INPUT
    except pd.errors.EmptyDataError:
        print("custrel: error: the input file is empty.", file=sys.stderr)
        return _EXIT_BAD_INPUT
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
