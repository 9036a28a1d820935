-- Scope 3, any category through procurement/other_value_chain (docs/methods.md
-- M-S3-03), as factor-selection candidates of int_scope3_activities_prepared:
-- quantity x the row's own factor_key, in the row's own category. No factor key
-- is no_mapping, no quantity or unit no_quantity.
-- Grain: source row (one factor key).
-- Columns in the union's names (int_scope3_activities_prepared adds the
-- candidate id and the columns other branches leave null); a view: the rows
-- are stored once, in int_scope3_activities_prepared.
{{ config(materialized='view') }}
with

other_value_chain as (

    select * from {{ ref('stg_procurement__other_value_chain') }}

),

entities as (

    select * from {{ ref('int_scope3_entities_located') }}

),

other_activities as (

    select
        o.source_record_key || '|other' as activity_id,
        o.source_record_key,
        'procurement/other_value_chain' as dataset_key,
        'other_value_chain' as component,
        o.scope3_category,
        o.entity_id,
        null::varchar as facility_id,
        o.reporting_year,
        make_date(o.reporting_year, 1, 1) as period_start,
        make_date(o.reporting_year, 12, 31) as period_end,
        'year' as period_grain,
        'other_value_chain' as source_type,
        o.factor_key as activity_code,
        o.quantity as reported_quantity,
        o.unit as reported_unit,
        null::varchar as region_code,
        e.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        1 as key_rank,
        'average_data' as method,
        o.factor_key,
        o.quantity,
        o.unit,
        case
            when o.factor_key is null then 'no_mapping'
            when o.quantity is null or o.unit is null then 'no_quantity'
            else 'ready'
        end as candidate_status
    from other_value_chain as o
    left join entities as e
        on e.entity_id = o.entity_id

)

select * from other_activities
