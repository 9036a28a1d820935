-- Scope 3 category 5, waste (docs/methods.md M-S3-03), as factor-selection
-- candidates of int_scope3_activities_prepared: quantity x factor, keys in
-- order `waste:<waste_type>:<treatment>`, `<waste_type>:<treatment>` (both
-- waste-type-specific), `waste:<treatment>`, `<treatment>` (average data).
-- Grain: waste record x factor key.
-- Columns in the union's names (int_scope3_activities_prepared adds the
-- candidate id and the columns other branches leave null); a view: the rows
-- are stored once, in int_scope3_activities_prepared.
{{ config(materialized='view') }}
with

waste as (

    select * from {{ ref('stg_procurement__waste') }}

),

facilities as (

    select * from {{ ref('int_facilities_located') }}

),

waste_activities as (

    select
        w.source_record_key || '|waste' as activity_id,
        w.source_record_key,
        'procurement/waste' as dataset_key,
        'waste' as component,
        5 as scope3_category,
        null::varchar as entity_id,
        w.facility_id,
        w.reporting_year,
        w.period_start,
        w.period_end,
        w.period_grain,
        'waste' as source_type,
        w.waste_type || ':' || w.waste_treatment as activity_code,
        w.quantity as reported_quantity,
        w.unit as reported_unit,
        cast(l.region_code as varchar) as region_code,
        l.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        k.key_rank,
        case when k.key_rank <= 2 then 'waste_type_specific' else 'average_data' end as method,
        k.factor_key,
        w.quantity,
        w.unit,
        case when w.quantity is null or w.unit is null then 'no_quantity' else 'ready' end as candidate_status
    from waste as w
    left join facilities as l
        on l.facility_id = w.facility_id
    cross join lateral (
        values
            (1, 'waste:' || w.waste_type || ':' || w.waste_treatment),
            (2, w.waste_type || ':' || w.waste_treatment),
            (3, 'waste:' || w.waste_treatment),
            (4, w.waste_treatment)
    ) as k(key_rank, factor_key)

)

select * from waste_activities
