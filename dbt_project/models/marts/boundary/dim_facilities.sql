-- Facilities with owner entity, location (province, grid region) and the
-- owner's consolidation weights.
with

facilities as (

    select * from {{ ref('int_facilities_located') }}

),

entities as (

    select * from {{ ref('dim_entities') }}

),

final as (

    select
        f.facility_id,
        f.facility_name,
        f.entity_id,
        e.entity_name,
        f.country_code,
        f.province,
        f.region_code,
        f.province_en,
        f.province_zh,
        f.grid_region,
        f.opened_date,
        f.closed_date,
        coalesce(e.weight_equity_share, 0) as weight_equity_share,
        coalesce(e.weight_operational_control, 0) as weight_operational_control,
        coalesce(e.weight_financial_control, 0) as weight_financial_control,
        f.source_record_key
    from facilities as f
    left join entities as e
        on e.entity_id = f.entity_id

)

select * from final
