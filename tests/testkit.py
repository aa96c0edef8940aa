"""Paths shared by the tests (a module of its own: tests/browser has its own conftest)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
