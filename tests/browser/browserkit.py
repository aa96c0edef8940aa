"""Helpers for the browser tests: start the app in a subprocess, drive Debian's Chromium.

The app runs as ``streamlit run app.py`` from the project root (so ``.streamlit/config.toml``
applies) on a free loopback port, with its own workspace file and secrets file.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
# Generous: two shared cores, and a first page run builds the demo data set.
SERVER_START_TIMEOUT = 120.0
SETTLE_TIMEOUT_MS = 120_000

SELECTOR_IDLE = ('[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
                 '[data-test-script-state="notRunning"]')
SELECTOR_EXCEPTION = '[data-testid="stException"]'
SELECTOR_ERROR = '[data-testid="stAlertContentError"]'
SELECTOR_CHART = '[data-testid="stPlotlyChart"]'
SELECTOR_MAIN = '[data-testid="stMainBlockContainer"]'
SELECTOR_SIDEBAR = '[data-testid="stSidebar"]'

_ALL_CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(el => el.querySelector('.js-plotly-plot .main-svg'))"""
_NO_SKELETON = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"


def chromium_path() -> str:
    """Debian's Chromium (``$RETENTION_CHROMIUM`` overrides); fails the test when missing."""
    import pytest

    wanted = os.environ.get("RETENTION_CHROMIUM") or "/usr/bin/chromium"
    found = wanted if os.access(wanted, os.X_OK) else shutil.which("chromium")
    if not found:
        pytest.fail(f"Chromium not found at {wanted} (nor on PATH). The browser tests need "
                    "Debian's browser: `apt-get install -y chromium` (.ci/run does it), or "
                    "set RETENTION_CHROMIUM to its path.", pytrace=False)
    return found


def screenshot_dir() -> Path:
    """Where screenshots go: ``$RETENTION_SCREENSHOTS`` or ``artifacts/screenshots``."""
    path = Path(os.environ.get("RETENTION_SCREENSHOTS") or ROOT / "artifacts" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    """A running ``streamlit run app.py``."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path
    workspace: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _wait_healthy(server: AppServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.process.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {server.url} within {timeout:.0f}s:\n"
                       f"{server.log_tail()}")


@contextmanager
def run_app(workdir: Path, *, secrets: str = "", port: int | None = None,
            env: dict[str, str] | None = None,
            frames: dict[str, Any] | None = None) -> Iterator[AppServer]:
    """Start the app with a workspace under ``workdir``; stop it afterwards.

    ``secrets`` is the text of the secrets.toml the app reads (empty: no login).
    ``frames`` (canonical ``orders=...``, ``surveys=...``) fill the workspace first; without
    them it is empty and the app shows the demo data set.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    secrets_file = workdir / "secrets.toml"
    secrets_file.write_text(secrets, encoding="utf-8")
    workspace = workdir / "workspace.duckdb"
    if frames:
        from retention_core.workspace import Workspace

        Workspace.from_frames(workspace, **frames).close()
    log_path = workdir / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "localhost",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--server.runOnSave", "false", "--browser.gatherUsageStats", "false",
        "--secrets.files", str(secrets_file),
    ]
    full_env = {**os.environ, "RETENTION_WORKSPACE": str(workspace),
                "PYTHONUNBUFFERED": "1", **(env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = AppServer(f"http://localhost:{port}", port, process, log_path, workspace)
    try:
        _wait_healthy(server, SERVER_START_TIMEOUT)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def wait_settled(page, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
    """Wait until the script run is over, nothing is loading and every chart is drawn."""
    page.wait_for_selector(SELECTOR_IDLE, timeout=timeout_ms)
    page.wait_for_function(_NO_SKELETON, timeout=timeout_ms)
    page.wait_for_function(_ALL_CHARTS_DRAWN, timeout=timeout_ms)
    # A rerun may have been requested while we looked (query params, st.rerun): check again.
    page.wait_for_selector(SELECTOR_IDLE, timeout=timeout_ms)


_WATCH_RUN = """() => {
    window.__stRunSeen = false;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
        if (app.dataset.testScriptState === 'running') window.__stRunSeen = true;
    }).observe(app, {attributes: true});
}"""


def watch_next_run(page) -> None:
    """Start noticing script runs; :func:`wait_watched_run` waits for one to end."""
    page.evaluate(_WATCH_RUN)


def wait_watched_run(page, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
    page.wait_for_function("() => window.__stRunSeen === true", timeout=timeout_ms)
    wait_settled(page, timeout_ms)


def wait_rerun(page, action, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
    """Do ``action`` (a click, an upload) and wait for the script run it starts to finish."""
    watch_next_run(page)
    action()
    wait_watched_run(page, timeout_ms)


def problems_on(page) -> list[str]:
    """Texts of exception boxes and st.error messages shown on the page."""
    found = []
    for selector, label in ((SELECTOR_EXCEPTION, "exception"), (SELECTOR_ERROR, "error")):
        for element in page.locator(selector).all():
            found.append(f"{label}: {element.inner_text()[:500]}")
    return found
