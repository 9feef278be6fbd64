"""Shared fixtures for the Python tests."""

from __future__ import annotations

from pathlib import Path

import pytest

# The shared corpus lives next to the checkout: <repo>/../shared/corpus.
CORPUS_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The StableHLO interpreter test data (`stablehlo_testdata/`); skips the test when absent."""
    testdata = CORPUS_DIR / "stablehlo_testdata"
    if not testdata.is_dir():
        pytest.skip(f"corpus not found at {testdata} (expected <repo>/../shared/corpus/stablehlo_testdata)")
    return testdata
