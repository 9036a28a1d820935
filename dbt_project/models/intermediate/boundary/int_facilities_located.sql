-- Facilities with their province resolved to the MEE/NBS region code and
-- grid region (for provincial / regional Scope 2 factors). The province may
-- be given in English ('Guangdong') or Chinese ('广东', '广东省').
with

facilities as (

    select * from {{ ref('stg_erp__facilities') }}

),

aliases as (

    select lower(trim(alias)) as alias_key, region_code from {{ ref('cn_province_aliases') }}

),

provinces as (

    select * from {{ ref('cn_provinces') }}

),

final as (

    select
        f.facility_id,
        f.entity_id,
        f.facility_name,
        f.country_code,
        f.province,
        p.region_code,
        p.province_en,
        p.province_zh,
        p.grid_region,
        f.opened_date,
        f.closed_date,
        f.source_record_key
    from facilities as f
    left join aliases as a
        on a.alias_key = lower(trim(f.province))
    left join provinces as p
        on p.region_code = a.region_code

)

select * from final
