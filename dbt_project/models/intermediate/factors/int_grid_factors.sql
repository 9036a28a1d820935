-- China electricity CO2 factors (MEE/NBS), tCO2/MWh, long form, plus the
-- carbon-market (ETS) factor as a family of its own (docs/methods.md M-S2-01).
with

published as (

    select
        data_year,
        level,
        cast(region_code as varchar) as region_code,
        factor_type,
        value as t_co2_per_mwh,
        announcement as source_document
    from {{ ref('cn_electricity_co2_factors_mee_nbs') }}

),

ets as (

    select
        null::integer as data_year,
        'national' as level,
        'CN' as region_code,
        'ets' as factor_type,
        value as t_co2_per_mwh,
        source_document
    from {{ ref('other_reference_values') }}
    where key = 'cn_ets_grid_factor_2022'

),

final as (

    select
        'cn_grid:' || factor_type || ':' || level || ':' || region_code
            || coalesce(':' || data_year, '') as factor_id,
        *
    from (select * from published union all select * from ets)

)

select * from final
