"""The checkout the tests run from (main.py, assets/), for tests that start the app as a user."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
