"""Upload a Shopify-shaped export in the browser, import it, and see the Retention page change.

Also two users importing at the same time in two browser sessions.
"""

from __future__ import annotations

import csv
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from browserkit import (
    SELECTOR_CHART,
    SELECTOR_MAIN,
    SELECTOR_SIDEBAR,
    problems_on,
    run_app,
    wait_rerun,
    wait_settled,
    wait_watched_run,
    watch_next_run,
)

pytestmark = pytest.mark.browser

SHOPIFY_COLUMNS = [
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency",
    "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
    "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Billing Name", "Billing Country", "Shipping Country", "Refunded Amount", "Cancelled at",
    "Source", "Id",
]


def write_shopify_export(path: Path, *, seed: int, customers: int, first_order: int) -> Path:
    """A Shopify "Export orders" CSV: one row per line item, order fields on the first row."""
    rnd = random.Random(seed)
    tz = timezone(timedelta(hours=1))
    rows = []
    number = first_order
    for c in range(customers):
        email = f"Customer{seed}_{c}@Example.com "
        when = datetime(2025, 1, 6, 9, 30, tzinfo=tz) + timedelta(days=rnd.randint(0, 300))
        for _ in range(rnd.choice([1, 1, 2, 3, 4])):
            items = [(rnd.choice(["Tea", "Mug", "Kettle"]), rnd.randint(1, 3),
                      rnd.choice([9.5, 14.0, 39.9])) for _ in range(rnd.randint(1, 3))]
            subtotal = round(sum(q * p for _, q, p in items), 2)
            status = rnd.choice(["paid"] * 8 + ["refunded", "partially_refunded"])
            refunded = subtotal if status == "refunded" else (
                5.0 if status == "partially_refunded" else 0.0)
            for i, (name, qty, price) in enumerate(items):
                first = i == 0
                created = when.strftime("%Y-%m-%d %H:%M:%S %z")
                rows.append({
                    "Name": f"#{number}", "Email": email if first else "",
                    "Financial Status": status if first else "",
                    "Paid at": created if first else "",
                    "Fulfillment Status": "fulfilled" if first else "",
                    "Currency": "EUR" if first else "",
                    "Subtotal": f"{subtotal:.2f}" if first else "",
                    "Shipping": "4.90" if first else "", "Taxes": "0.00" if first else "",
                    "Total": f"{subtotal + 4.9:.2f}" if first else "",
                    "Discount Code": rnd.choice(["", "", "WELCOME10"]) if first else "",
                    "Discount Amount": "0.00" if first else "",
                    "Created at": created, "Lineitem quantity": qty, "Lineitem name": name,
                    "Lineitem price": f"{price:.2f}", "Lineitem sku": name.upper(),
                    "Billing Name": f"Customer {c}" if first else "",
                    "Billing Country": "PL" if first else "",
                    "Shipping Country": rnd.choice(["PL", "DE", "CZ"]) if first else "",
                    "Refunded Amount": f"{refunded:.2f}" if first else "",
                    "Cancelled at": "", "Source": rnd.choice(["web", "shopify_draft_order"])
                    if first else "",
                    "Id": str(5_000_000 + number) if first else "",
                })
            number += 1
            when += timedelta(days=rnd.randint(10, 120), hours=rnd.randint(0, 23))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=SHOPIFY_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory):
    with run_app(tmp_path_factory.mktemp("upload_app")) as server:
        yield server


def _orders_uploader(page):
    """The file input meant for orders (the only one, or the one whose label says so)."""
    uploaders = page.locator('[data-testid="stFileUploader"]')
    count = uploaders.count()
    assert count >= 1, ("the Data page has no file uploader (st.file_uploader); it says:\n"
                        + page.locator(SELECTOR_MAIN).inner_text()[:800])
    chosen = uploaders.first
    for i in range(count):
        if re.search(r"order|export|file", uploaders.nth(i).inner_text(), re.I):
            chosen = uploaders.nth(i)
            break
    return chosen.locator('input[type="file"]')


def _import_button(page):
    """The button that imports the uploaded file (its label says import, not delete)."""
    main = page.locator(SELECTOR_MAIN)
    candidates = main.get_by_role("button", name=re.compile(r"\bimport", re.I)).filter(
        has_not_text=re.compile(r"delete|remove|undo|reset", re.I))
    assert candidates.count() >= 1, ("after the upload the Data page shows no Import button; "
                                     "it says:\n" + main.inner_text()[:800])
    return candidates.first


def _import_file(page, app_url: str, path: Path) -> None:
    """Data page: upload ``path``, press the import button, wait for the outcome."""
    page.goto(f"{app_url}/data")
    wait_settled(page)
    wait_rerun(page, lambda: _orders_uploader(page).set_input_files(str(path)))
    button = _import_button(page)
    wait_rerun(page, lambda: button.click())
    assert problems_on(page) == [], problems_on(page)


def _retention_view(page, app_url: str) -> tuple[str, str]:
    page.goto(f"{app_url}/retention")
    wait_settled(page)
    assert problems_on(page) == [], problems_on(page)
    return (page.locator(SELECTOR_MAIN).inner_text(),
            page.locator(SELECTOR_SIDEBAR).inner_text())


def test_upload_shopify_export_changes_the_retention_page(upload_app, new_page, screenshot,
                                                          tmp_path):
    export = write_shopify_export(tmp_path / "orders_export_1.csv", seed=1, customers=40,
                                  first_order=1001)
    page = new_page()
    before_main, before_sidebar = _retention_view(page, upload_app.url)
    assert "demo data" in before_sidebar

    _import_file(page, upload_app.url, export)
    screenshot(page, "upload_data_page_after_import")

    after_main, after_sidebar = _retention_view(page, upload_app.url)
    screenshot(page, "upload_retention_after_import")
    assert "demo data" not in after_sidebar, "the demo notice stayed after an import"
    assert after_main != before_main, "the Retention page did not change after the import"
    assert page.locator(SELECTOR_CHART).count() >= 1
    # No customer data in the server log.
    assert "@example.com" not in upload_app.log_tail(10**7).lower()


def _order_names(path: Path) -> set[str]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["Name"] for row in csv.DictReader(f)}


def test_two_users_importing_at_once_both_land(new_page, tmp_path):
    """Two browser sessions press Import at the same moment; both files end up stored."""
    from retention_core.workspace import Workspace

    files = [write_shopify_export(tmp_path / f"orders_export_{k}.csv", seed=10 + k,
                                  customers=30, first_order=5000 + 1000 * k)
             for k in (2, 3)]
    from retention_core.demo import generate_demo

    # A small shop already imported (no demo build); the two files add to it.
    frames = {"orders": generate_demo(customers=60, seed=4)["orders"]}
    with run_app(tmp_path / "app", frames=frames) as server:
        pages = [new_page() for _ in files]
        for page, path in zip(pages, files, strict=True):
            page.goto(f"{server.url}/data")
            wait_settled(page)
            wait_rerun(page, lambda p=page, f=path: _orders_uploader(p).set_input_files(str(f)))
        buttons = [_import_button(p) for p in pages]
        for page in pages:
            watch_next_run(page)
        for button in buttons:  # both clicks go out before either import is done
            button.click()
        for page in pages:
            wait_watched_run(page)
            assert problems_on(page) == [], problems_on(page)
        log = server.log_tail(10**7)
    assert "@example.com" not in log.lower(), "customer e-mails in the server log"

    # The server is stopped: read what it stored.
    with Workspace(server.workspace, read_only=True) as ws:
        stored = ws.list_imports()
        orders = ws.counts()["orders"]
    assert sorted(stored["file_name"].to_list())[-2:] == [f.name for f in files], log
    assert stored.height == 3, log  # the seed import and the two files
    assert orders == frames["orders"].height + len(_order_names(files[0])
                                                   | _order_names(files[1])), log
