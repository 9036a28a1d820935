-- The input files that differ between the two manifests of each pair of
-- int_history__manifest_pairs (docs/methods.md M-BASE-03): one row per file
-- added, removed or changed (sha256) that counts for the locked year: it fed
-- emission rows of that year in either run, or of no year (master and
-- reference data). The run under way has no manifest rows yet: its files are
-- the extraction's (ingest.files), with no years, so a file added since the
-- reference run counts for every year. cause_type: factor_change for a custom
-- factor file (reference/custom_factors), error_correction for any other.
{{ config(materialized='view') }}
with

pairs as (

    select * from {{ ref('int_history__manifest_pairs') }}

),

run_inputs as (

    select * from {{ ref('stg_history__run_inputs') }}

),

ingest_files as (

    select * from {{ ref('stg_ingest__files') }}

),

inputs as (

    select run_id, dataset_key, file_path, file_sha256, reporting_years
    from run_inputs

    union all

    -- the run under way: its files are the extraction's until its manifest is written
    select n.run_id, f.dataset_key, f.file_path, f.file_sha256, null::integer[] as reporting_years
    from (select distinct run_id, run_status from pairs) as n
    cross join ingest_files as f
    where n.run_status = 'running'
      and not exists (select 1 from run_inputs as i where i.run_id = n.run_id)

),

old_files as (

    select p.reporting_year, p.reference_run_id, p.run_id, i.dataset_key, i.file_path, i.file_sha256,
           i.reporting_years
    from pairs as p
    inner join inputs as i
        on i.run_id = p.reference_run_id
    where p.has_reference_manifest

),

new_files as (

    select p.reporting_year, p.reference_run_id, p.run_id, i.dataset_key, i.file_path, i.file_sha256,
           i.reporting_years
    from pairs as p
    inner join inputs as i
        on i.run_id = p.run_id
    where p.has_reference_manifest

),

file_changes as (

    select
        coalesce(o.reporting_year, n.reporting_year) as reporting_year,
        coalesce(o.reference_run_id, n.reference_run_id) as reference_run_id,
        coalesce(o.run_id, n.run_id) as run_id,
        case
            when o.file_path is null then 'files_added'
            when n.file_path is null then 'files_removed'
            else 'files_changed'
        end as change_group,
        coalesce(o.file_path, n.file_path) as change_item,
        o.file_sha256 as old_value,
        n.file_sha256 as new_value,
        case when coalesce(o.dataset_key, n.dataset_key) = 'reference/custom_factors' then 'factor_change'
             else 'error_correction' end as cause_type,
        list_distinct(coalesce(o.reporting_years, []) || coalesce(n.reporting_years, [])) as fed_years
    from old_files as o
    full outer join new_files as n
        on n.reporting_year = o.reporting_year
        and n.reference_run_id = o.reference_run_id
        and n.run_id = o.run_id
        and n.dataset_key = o.dataset_key
        and n.file_path = o.file_path
    where o.file_sha256 is distinct from n.file_sha256

)

select * exclude (fed_years)
from file_changes
where list_contains(fed_years, reporting_year) or len(fed_years) = 0
