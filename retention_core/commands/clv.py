"""`clv --calibration-end DATE [--time-unit day|week|month] [--horizon-months M]
[--discount-rate D] --json`: fit BG/NBD + Gamma-Gamma on the calibration window and check
the prediction against the holdout (the days after it)."""

from __future__ import annotations

import argparse
import sys

from retention_core.commands import (
    add_json_option,
    add_source_options,
    emit_json,
    open_sources,
    parse_date,
)
from retention_core.errors import InputError
from retention_core.filters import Filters

# The keys of retention_core.models.clv.TIME_UNITS (a test keeps them equal), written out
# so that building the CLI parser does not import the models and SciPy (0.5 s on every
# command, retention and kpis included).
TIME_UNIT_CHOICES = ("day", "week", "month")

HOLDOUT_KEYS = ("start", "end", "days", "customers", "actual_repeat_purchases",
                "predicted_repeat_purchases", "error", "mae", "rmse", "actual_revenue",
                "predicted_revenue")


def _number(kind: type, option: str):  # argparse type that fails in one readable line
    def parse(text: str):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} expects a number, got {text!r}") from None
    return parse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clv", help="predictive CLV: BG/NBD + Gamma-Gamma fit and holdout check")
    add_source_options(p)
    p.add_argument("--calibration-end", required=True, metavar="DATE",
                   help="last day of the calibration window (YYYY-MM-DD); the days after it "
                        "are the holdout the prediction is checked against")
    p.add_argument("--time-unit", choices=TIME_UNIT_CHOICES, default="week",
                   help="unit of frequency / recency / T (month = 365.25/12 days); "
                        "default week")
    p.add_argument("--horizon-months", type=_number(int, "--horizon-months"), default=12,
                   metavar="M", help="CLV horizon in months (default 12)")
    p.add_argument("--discount-rate", type=_number(float, "--discount-rate"), default=0.01,
                   metavar="D", help="monthly discount rate (default 0.01 = 1%% a month)")
    add_json_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from retention_core.metrics.clv import validate_clv_model
    from retention_core.models.clv import check_horizon

    calibration_end = parse_date(args.calibration_end, "--calibration-end")
    if calibration_end is None:
        raise InputError("--calibration-end is required")
    check_horizon(args.horizon_months, args.discount_rate)
    ws = open_sources(args, need=("orders",))
    result = validate_clv_model(ws.cursor(), Filters(), calibration_end, args.time_unit,
                                horizon_months=args.horizon_months,
                                discount_rate=args.discount_rate)
    holdout = result["holdout"]
    out = {
        "time_unit": result["time_unit"],
        "calibration_end": result["calibration_end"],
        "customers": result["customers"],
        "bgnbd": result["bgnbd"],
        "gamma_gamma": result["gamma_gamma"],
        "holdout": ({k: holdout[k] for k in HOLDOUT_KEYS} if holdout
                    else {"start": None, "end": result["holdout_end"], "days": 0}),
        "repeat_customers": result["repeat_customers"],
        "log_likelihood": {"bgnbd": result["bgnbd_log_likelihood"],
                           "gamma_gamma": result["gamma_gamma_log_likelihood"]},
        "clv": result["clv"],
        "notes": result["notes"],
    }
    if holdout is not None:
        out["holdout"]["by_frequency"] = (
            result["by_frequency"].select("label", "customers", "actual_mean", "predicted_mean")
            .rename({"label": "frequency"}).to_dicts())
    if args.json:
        emit_json(out)
        return 0
    write = sys.stdout.write
    write(f"calibration end {out['calibration_end']}, time unit {out['time_unit']}, "
          f"{out['customers']} customers ({out['repeat_customers']} repeat buyers)\n")
    write("BG/NBD       " + ", ".join(f"{k}={v:.4g}" for k, v in out["bgnbd"].items()) + "\n")
    write("Gamma-Gamma  " + ", ".join(f"{k}={v:.4g}" for k, v in out["gamma_gamma"].items())
          + "\n")
    if holdout is None:
        write("holdout      none (no days after the calibration end)\n")
    else:
        error = "n/a" if holdout["error"] is None else f"{holdout['error']:+.1%}"
        write(f"holdout      {holdout['start']} to {holdout['end']} ({holdout['days']} days): "
              f"actual {holdout['actual_repeat_purchases']:.0f}, predicted "
              f"{holdout['predicted_repeat_purchases']:.1f} repeat purchases ({error}); "
              f"MAE {holdout['mae']:.3f} per customer\n")
    for note in out["notes"]:
        write(f"note         {note}\n")
    clv = out["clv"]
    write(f"CLV          {clv['horizon_months']} months at {clv['discount_rate']:.2%}/month: "
          f"mean {clv['mean']:.2f}, total {clv['total']:.2f}\n")
    return 0
