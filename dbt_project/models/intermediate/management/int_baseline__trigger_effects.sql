-- The base-year recalculation triggers and their effects (docs/methods.md
-- M-BASE-02, M-BASE-03; T/CAS 612 6.5), before the log's cumulative effects and
-- descriptions: one row per trigger x consolidation approach x scope x Scope 2
-- method (trigger_summary, restated, changed_methods below), effect_t the
-- trigger's own effect on the base year (the average over var('base_years')).
-- Triggers: acquisitions and divestments (int_baseline__structural_triggers),
-- methods and factors changed since the base year (int_baseline__method_triggers)
-- and changes since a locked base year (int_baseline__locked_base_years). A
-- trigger whose base-year activity data is missing is a finding (trigger_status
-- 'missing_base_year_data', effect null, scope null: one row per approach), not
-- a guess. fct_baseline_recalculation_log orders and describes them. A view:
-- only the log reads it.
{{ config(materialized='view') }}
{% set base_years = var('base_years') %}
{% set n_years = base_years | length %}
with

triggers as (

    select * from {{ ref('int_baseline__structural_triggers') }}

),

entity_years as (

    select * from {{ ref('int_baseline__entity_base_years') }}

),

locked_changes as (

    select * from {{ ref('int_baseline__locked_base_years') }}

),

method_changes as (

    select * from {{ ref('int_baseline__method_triggers') }}
    where boundary_year = current_year

),

approaches as (

    {{ consolidation_approaches() }}

),

trigger_summary as (

    -- one trigger over all base years: missing data in any base year is a finding
    select
        trigger_id,
        any_value(trigger_type) as trigger_type,
        any_value(entity_id) as entity_id,
        any_value(entity_name) as entity_name,
        any_value(event_date) as event_date,
        case
            when bool_or(trigger_status = 'missing_base_year_data') then 'missing_base_year_data'
            when bool_and(trigger_status = 'no_base_year_operations') then 'no_base_year_operations'
            else 'recalculated'
        end as trigger_status,
        string_agg(base_year::varchar, ',' order by base_year)
            filter (where trigger_status = 'missing_base_year_data') as years_missing_data,
        null::varchar as cause_detail
    from triggers
    group by trigger_id

),

restated as (

    -- method, factor or data changes since a locked base year (one trigger per lock)
    select
        trigger_type || ':' || lock_id as trigger_id,
        trigger_type,
        null::varchar as entity_id,
        null::varchar as entity_name,
        locked_at::date as event_date,
        'recalculated' as trigger_status,
        null::varchar as years_missing_data,
        cause_detail,
        consolidation_approach,
        scope,
        scope2_method,
        effect_t / {{ n_years }} as effect_t
    from locked_changes

),

changed_methods as (

    -- methods and factors changed between the base year and the current year
    -- (one trigger over all base years; a record the new method cannot price
    -- in any base year makes it a finding)
    select
        trigger_id,
        any_value(trigger_type) as trigger_type,
        null::varchar as entity_id,
        null::varchar as entity_name,
        min(event_date) as event_date,
        case
            when bool_and(trigger_status = 'not_recalculable') then 'not_recalculable'
            when bool_or(trigger_status <> 'recalculated') then 'partly_recalculated'
            else 'recalculated'
        end as trigger_status,
        null::varchar as years_missing_data,
        string_agg(distinct cause_detail, ' | ' order by cause_detail) as cause_detail,
        consolidation_approach,
        scope,
        scope2_method,
        sum(effect_t) / {{ n_years }} as effect_t
    from method_changes
    group by trigger_id, consolidation_approach, scope, scope2_method

),

effects as (

    select
        t.trigger_id,
        e.consolidation_approach,
        e.scope,
        e.scope2_method,
        {{ exact_sum('e.current_t - e.original_t') }} / {{ n_years }} as effect_t
    from triggers as t
    inner join entity_years as e
        on e.entity_id = t.entity_id
        and e.base_year = t.base_year
    where t.trigger_status = 'recalculated'
    group by all

),

rows_with_effect as (

    select
        s.*,
        e.consolidation_approach,
        e.scope,
        e.scope2_method,
        e.effect_t
    from trigger_summary as s
    inner join effects as e
        on e.trigger_id = s.trigger_id

),

rows_without_effect as (

    -- findings and triggers without base-year operations: one row per approach
    select
        s.*,
        a.consolidation_approach,
        null::varchar as scope,
        null::varchar as scope2_method,
        null::double as effect_t
    from trigger_summary as s
    cross join approaches as a
    where s.trigger_id not in (select trigger_id from rows_with_effect)

),

log_rows as (

    select * from rows_with_effect
    union all by name
    select * from rows_without_effect
    union all by name
    select * from restated
    union all by name
    select * from changed_methods

)

select * from log_rows
