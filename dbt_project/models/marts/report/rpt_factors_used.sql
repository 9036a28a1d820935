-- The emission factors a year's inventory used: year x factor, with the
-- factor's value, unit, region and years, source document, publisher,
-- verification status and factor-set version (dim_emission_factors), the
-- emission rows that used it and how many of those took the factor of an
-- earlier year for want of the year's own (ISO 14064-1 9.3.1 n, o).
with

emissions as (

    select * from {{ ref('fct_emissions') }}
    where {{ in_reporting_years('reporting_year') }}

),

factors as (

    select * from {{ ref('dim_emission_factors') }}

),

used as (

    select
        reporting_year,
        factor_id,
        count(*) as emission_rows,
        count(*) filter (where is_factor_year_fallback) as year_fallback_rows
    from emissions
    group by all

),

final as (

    select
        u.reporting_year,
        u.factor_id,
        f.factor_key,
        f.gas,
        f.t_per_unit,
        f.activity_unit,
        f.region,
        f.year_from,
        f.year_to,
        f.source_document,
        f.publisher,
        f.verification_status,
        f.is_custom,
        f.factor_set_version,
        u.emission_rows,
        u.year_fallback_rows
    from used as u
    left join factors as f using (factor_id)

)

select * from final
