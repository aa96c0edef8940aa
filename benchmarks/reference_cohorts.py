"""Reference implementations of the monthly cohort retention table, outside the product.

Two peers the CLI is measured against (``bench_cold_retention.py``):

- ``duckdb``: the bare minimal DuckDB query over the Parquet/CSV file, nothing else
  imported (what an engineer who knows DuckDB would write for this one table);
- ``pandas``: the same table as an experienced analyst writes it in pandas: columns
  pruned on read, vectorised groupby / merge, no ``apply`` and no Python loops.

Both follow SPEC.md exactly as the product does: kept orders only (status not
cancelled / canceled / refunded / voided / failed), orders with a customer id only;
cohort = month of the first kept order; retained(c, k) = customers of cohort c with an
order in month c + k; cells from k = 0 up to the month containing the latest order
("as of"), zero cells included; rate = retained / cohort size.

Run one in a fresh process (what the benchmark times)::

    python -m benchmarks.reference_cohorts duckdb benchmarks/data/orders_5000000.parquet
    python -m benchmarks.reference_cohorts pandas benchmarks/data/orders_5000000.parquet

Each prints ``{"rows": [{"cohort", "size", "period_index", "retained", "rate"}, ...]}``.
"""

from __future__ import annotations

import json
import sys

EXCLUDED = ("cancelled", "canceled", "refunded", "voided", "failed")

DUCKDB_SQL = """
with kept as (
    select customer_id, cast(date_trunc('month', ordered_at) as date) as month
    from {source}
    where customer_id is not null
      and coalesce(lower(trim(status)), '') not in ('cancelled', 'canceled', 'refunded',
                                                    'voided', 'failed')
),
cohorts as (
    select customer_id, min(month) as cohort from kept group by customer_id
),
sizes as (
    select cohort, count(*) as size from cohorts group by cohort
),
active as (
    select c.cohort, date_diff('month', c.cohort, k.month) as period_index,
        count(*) as retained
    from (select distinct customer_id, month from kept) as k
    join cohorts as c using (customer_id)
    group by all
),
cells as (
    select cohort, size,
        unnest(generate_series(0, date_diff('month', cohort, (select max(month) from kept))))
            as period_index
    from sizes
)
select strftime(cohort, '%Y-%m-%d') as cohort, size, period_index,
    coalesce(retained, 0) as retained, coalesce(retained, 0) / size as rate
from cells left join active using (cohort, period_index)
order by cohort, period_index
"""


def duckdb_cohort_table(path: str) -> list[dict]:
    """The table by one DuckDB query reading the file directly."""
    import duckdb

    reader = "read_parquet" if path.endswith((".parquet", ".pq")) else "read_csv"
    source = f"{reader}('{path}')"  # a benchmark path, not user input
    con = duckdb.connect()
    rows = con.execute(DUCKDB_SQL.format(source=source)).fetchall()
    return [{"cohort": c, "size": s, "period_index": k, "retained": r, "rate": rate}
            for c, s, k, r, rate in rows]


def pandas_cohort_table(path: str) -> list[dict]:
    """The table in pandas, vectorised (groupby / merge / reindex), as an analyst writes it."""
    import numpy as np
    import pandas as pd

    columns = ["customer_id", "ordered_at", "status"]
    if path.endswith((".parquet", ".pq")):
        df = pd.read_parquet(path, columns=columns)
    else:
        df = pd.read_csv(path, usecols=columns, parse_dates=["ordered_at"],
                         dtype={"customer_id": "string", "status": "string"})
    status = df["status"].str.strip().str.lower()
    df = df[df["customer_id"].notna() & ~status.isin(EXCLUDED)]
    # months as integers (year * 12 + month): cheap to subtract
    ts = df["ordered_at"]
    month = (ts.dt.year * 12 + ts.dt.month - 1).to_numpy()
    orders = pd.DataFrame({"customer_id": df["customer_id"].to_numpy(), "month": month})
    orders["cohort"] = orders.groupby("customer_id", sort=False)["month"].transform("min")
    active = orders.drop_duplicates(["customer_id", "month"])
    retained = (active.assign(period_index=active["month"] - active["cohort"])
                .groupby(["cohort", "period_index"]).size())
    sizes = active[active["month"] == active["cohort"]].groupby("cohort").size()
    last = int(month.max())
    cohort_index = np.repeat(sizes.index.to_numpy(), last - sizes.index.to_numpy() + 1)
    k = np.concatenate([np.arange(last - c + 1) for c in sizes.index.to_numpy()])
    cells = pd.MultiIndex.from_arrays([cohort_index, k], names=["cohort", "period_index"])
    table = retained.reindex(cells, fill_value=0).rename("retained").reset_index()
    table["size"] = sizes.reindex(table["cohort"]).to_numpy()
    table["rate"] = table["retained"] / table["size"]
    first_day = pd.to_datetime({"year": table["cohort"] // 12, "month": table["cohort"] % 12 + 1,
                                "day": 1})
    table["cohort"] = first_day.dt.strftime("%Y-%m-%d")
    return table[["cohort", "size", "period_index", "retained", "rate"]].to_dict("records")


IMPLEMENTATIONS = {"duckdb": duckdb_cohort_table, "pandas": pandas_cohort_table}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in IMPLEMENTATIONS:
        sys.stderr.write("usage: python -m benchmarks.reference_cohorts duckdb|pandas FILE\n")
        return 2
    rows = IMPLEMENTATIONS[argv[0]](argv[1])
    sys.stdout.write(json.dumps({"rows": rows}, default=int) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
