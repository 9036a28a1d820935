"""Where things live in the repository, and the defaults the CLI uses."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = REPO_ROOT / "seeds"
DATA_QUALITY_DIR = REPO_ROOT / "data_quality"
GX_DIR = DATA_QUALITY_DIR / "gx"
SAMPLE_GROUP_DIR = REPO_ROOT / "sample_group"
SAMPLE_LANDING_DIR = SAMPLE_GROUP_DIR / "landing"
SAMPLE_CONFIG = SAMPLE_GROUP_DIR / "carbon.yml"
# Build outputs (ignored by git).
BUILD_DIR = REPO_ROOT / "build"
DEFAULT_WAREHOUSE = BUILD_DIR / "carbon.duckdb"
