"""Where things live in the repository, and the defaults the CLI uses."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = REPO_ROOT / "seeds"
DATA_QUALITY_DIR = REPO_ROOT / "data_quality"
# The Great Expectations file context. CARBON_GX_DIR points elsewhere (a folder holding a copy of
# great_expectations.yml), so that runs in parallel processes keep their suites and results apart.
GX_DIR = Path(os.environ.get("CARBON_GX_DIR") or DATA_QUALITY_DIR / "gx")
SAMPLE_GROUP_DIR = REPO_ROOT / "sample_group"
SAMPLE_LANDING_DIR = SAMPLE_GROUP_DIR / "landing"
SAMPLE_CONFIG = SAMPLE_GROUP_DIR / "carbon.yml"
# Build outputs (ignored by git).
BUILD_DIR = REPO_ROOT / "build"
DEFAULT_WAREHOUSE = BUILD_DIR / "carbon.duckdb"
