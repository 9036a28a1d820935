"""The ``history`` schema: created empty, idempotently, before dbt reads it."""

from __future__ import annotations

import duckdb

HISTORY_DDL = """
create schema if not exists history;
create table if not exists history.runs (
    run_id varchar primary key,         -- the Dagster run id
    started_at timestamp not null,      -- UTC
    finished_at timestamp not null,     -- UTC, after the manifest's fingerprints
    duration_s double,
    extraction_s double,                -- landing -> raw (the extraction assets and their gates)
    dbt_s double,                       -- dbt build, dbt tests included
    checks_s double,                    -- the data quality plan after dbt
    steps_json varchar,                 -- every Dagster step: key, phase, status, seconds
    exit_code integer not null,         -- what `carbon run` returned: 0 ok, 1 failed
    status varchar not null,            -- success | failed | unchanged (nothing to recompute) | running | interrupted
    is_inventory_built boolean not null, -- rpt_group_inventory was rebuilt by this run
    landing_dir varchar,
    config_path varchar,
    config_sha256 varchar,
    config_json varchar,                -- carbon.yml as written
    settings_json varchar,              -- the effective settings handed to dbt (defaults filled in)
    gwp_set varchar,
    consolidation varchar,
    factor_set_version varchar,         -- dbt var factor_set_version
    seeds_sha256 varchar,               -- over every file of seeds/ (path + sha256)
    seed_files_json varchar,            -- {path: sha256} of seeds/
    dq_plan_sha256 varchar,             -- data_quality/plan.yml
    code_version varchar,               -- package version
    git_commit varchar,                 -- null when git or the repository is absent
    git_dirty boolean,                  -- uncommitted changes in pipelines/, dbt_project/, seeds/, data_quality/
    code_sha256 varchar,                -- the calculation code: dbt project + pipelines/*.py + the plan
    environment_json varchar,           -- versions of python, dbt, duckdb, dagster, polars, GX
    input_files integer,
    inputs_sha256 varchar,              -- over every input file (dataset, path, sha256)
    marts_fingerprint varchar,          -- over every public mart's fingerprint
    landing_sha256 varchar,             -- over every file of the landing folder (path + sha256)
    locks_sha256 varchar,               -- over history.period_locks and locked_figures as the run starts
    same_as_run_id varchar              -- status 'unchanged': the run whose marts this one found current
);
create table if not exists history.run_inputs (
    run_id varchar not null,
    dataset_key varchar not null,
    file_path varchar not null,         -- below the landing folder, as in ingest.files
    file_sha256 varchar not null,
    load_id varchar,
    status varchar,                     -- loaded | duplicate | unreadable
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    reporting_years integer[],          -- years of fct_emissions rows from this file (empty: master/reference data)
    primary key (run_id, dataset_key, file_path)
);
create table if not exists history.run_marts (
    run_id varchar not null,
    mart varchar not null,
    row_count bigint not null,
    fingerprint varchar not null,       -- sha256 of the columns and the sorted row hashes
    primary key (run_id, mart)
);
create table if not exists history.period_locks (
    lock_id varchar primary key,        -- '<year>-v<version>'
    reporting_year integer not null,
    lock_version integer not null,      -- 1, 2, ... ; the highest is in force
    locked_at timestamp not null,       -- UTC
    run_id varchar not null,            -- the run (manifest) the figures came from
    marts_fingerprint varchar,
    figures integer not null,
    note varchar
);
create table if not exists history.locked_figures (
    lock_id varchar not null,
    reporting_year integer not null,
    consolidation_approach varchar not null,
    scope varchar not null,
    scope2_method varchar,
    scope3_category integer,
    co2e_t double not null
);
create table if not exists history.restatements (
    run_id varchar not null,            -- the run that changed the figure
    recorded_at timestamp not null,     -- UTC
    lock_id varchar not null,
    reporting_year integer not null,
    consolidation_approach varchar not null,
    scope varchar not null,
    scope2_method varchar,
    scope3_category integer,
    change_kind varchar not null,       -- changed | added (cell not in the lock) | removed (cell gone)
    locked_co2e_t double,               -- the figure as locked (null for an added cell)
    old_co2e_t double not null,         -- the figure before this run: locked, or the last restatement's
    new_co2e_t double not null,         -- the figure of this run (0 for a removed cell)
    difference_t double not null,       -- new - old
    reference_run_id varchar not null,  -- the run whose manifest 'old' came from
    cause varchar not null,             -- one sentence: what changed between the two manifests
    cause_json varchar not null,
    cause_type varchar                  -- method_change | factor_change | error_correction (int_history__manifest_changes)
);
"""


# Columns added after the first warehouses were built: added to those in place.
HISTORY_MIGRATIONS = """
alter table history.runs add column if not exists landing_sha256 varchar;
alter table history.runs add column if not exists locks_sha256 varchar;
alter table history.runs add column if not exists same_as_run_id varchar;
alter table history.restatements add column if not exists cause_type varchar;
"""


def ensure_history_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(HISTORY_DDL)
    con.execute(HISTORY_MIGRATIONS)
