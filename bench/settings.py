"""Benchmark settings: production settings plus a trivial view (the floor)."""

from alliance.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
