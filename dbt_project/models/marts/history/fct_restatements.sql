-- A view, unlike the other marts: `carbon run` records restatements after its
-- dbt build (it compares the inventory just built with the locked years), and
-- a view shows them without another build. Over two small history tables.
{{ config(materialized='view') }}

with

restatements as (select * from {{ ref('stg_history__restatements') }}),

locks as (select * from {{ ref('stg_history__period_locks') }}),

locks_in_force as (

    select
        *,
        lock_version = max(lock_version) over (partition by reporting_year) as is_lock_in_force
    from locks

),

final as (

    select
        restatements.run_id,
        restatements.recorded_at,
        restatements.reporting_year,
        restatements.consolidation_approach,
        restatements.scope,
        restatements.scope2_method,
        restatements.scope3_category,
        restatements.change_kind,
        restatements.locked_co2e_t,
        restatements.old_co2e_t,
        restatements.new_co2e_t,
        restatements.difference_t,
        case when restatements.old_co2e_t <> 0
             then 100.0 * restatements.difference_t / restatements.old_co2e_t end as difference_pct,
        restatements.cause,
        restatements.cause_json,
        restatements.cause_type,
        restatements.reference_run_id,
        restatements.lock_id,
        locks_in_force.lock_version,
        locks_in_force.locked_at,
        locks_in_force.locked_run_id,
        locks_in_force.lock_note,
        locks_in_force.is_lock_in_force
    from restatements
    left join locks_in_force on restatements.lock_id = locks_in_force.lock_id

)

select * from final
