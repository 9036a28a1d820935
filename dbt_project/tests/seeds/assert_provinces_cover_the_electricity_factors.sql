-- Every provincial and grid-region factor of the MEE/NBS file can be reached
-- from cn_provinces: province codes exist there, and every grid region used by
-- a province has factors in the file (for at least one year).

with

factors as (
    select * from {{ ref('cn_electricity_co2_factors_mee_nbs') }}
),

provinces as (
    select * from {{ ref('cn_provinces') }}
),

unknown_provinces as (
    select distinct 'province code not in cn_provinces' as problem, factors.region_code
    from factors
    left join provinces
        on factors.region_code = provinces.region_code
    where factors.level = 'province'
        and provinces.region_code is null
),

grid_regions_without_factors as (
    select distinct 'grid region without factors' as problem, provinces.grid_region as region_code
    from provinces
    left join factors
        on provinces.grid_region = factors.region_code
        and factors.level = 'grid_region'
    where factors.region_code is null
),

failures as (
    select * from unknown_provinces
    union all
    select * from grid_regions_without_factors
)

select * from failures
