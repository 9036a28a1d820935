-- Which manifests int_history__manifest_changes compares (docs/methods.md
-- M-BASE-03): one row per locked year x reference run (the run of a lock, or a
-- run that restated the year) x the newest run of history.runs (the run under
-- way, or the run just finished), with its status and whether the reference
-- run's manifest is on record. A view: it reads history as it is when queried.
{{ config(materialized='view') }}
with

runs as (

    select * from {{ ref('stg_history__runs') }}

),

locks as (

    select * from {{ ref('stg_history__period_locks') }}

),

restatements as (

    select * from {{ ref('stg_history__restatements') }}

),

newest_run as (

    select * from runs
    qualify row_number() over (order by started_at desc, run_id desc) = 1

),

pairs as (

    select distinct
        p.reporting_year,
        p.reference_run_id,
        n.run_id,
        n.run_status,
        o.run_id is not null as has_reference_manifest
    from (
        select reporting_year, locked_run_id as reference_run_id from locks
        union
        select reporting_year, run_id from restatements
    ) as p
    cross join newest_run as n
    left join runs as o
        on o.run_id = p.reference_run_id

)

select * from pairs
