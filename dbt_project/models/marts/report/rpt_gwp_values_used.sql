-- The global warming potentials a year's inventory applied: year x gas x GWP
-- set x GWP-100 value, with the emission rows that used it (ISO 14064-1
-- 9.3.1 n).
with

emissions as (

    select * from {{ ref('fct_emissions') }}
    where {{ in_reporting_years('reporting_year') }}

),

final as (

    select
        reporting_year,
        gas,
        gwp_set,
        gwp_100,
        count(*) as emission_rows
    from emissions
    group by all

)

select * from final
