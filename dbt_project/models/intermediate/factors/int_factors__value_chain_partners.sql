-- Factors reported by value-chain partners (docs/methods.md M-S3-01, M-S3-04), in the registry so
-- that every Scope 3 emission row points at a factor a verifier can look up:
--   * supplier product footprints (procurement/supplier_footprints): key
--     `supplier:<supplier_id>:<category_code>`, valid for the footprint's year
--     only (the supplier-specific method matches supplier, category and year);
--     one footprint per supplier, category, year and unit: a verified one
--     before an unverified one, then the last loaded;
--   * the investment-specific method's identity factor: the investee's own
--     Scope 1 + 2 (t CO2e) is the activity, 1 t CO2e per t.
-- Same columns, in the same order, as the CTEs of int_factor_registry.
with

footprints as (

    select * from {{ ref('stg_procurement__supplier_footprints') }}

),

ranked_footprints as (

    select
        *,
        row_number() over (
            partition by supplier_id, category_code, footprint_year, unit
            order by is_verified desc nulls last, source_record_key desc
        ) as preference
    from footprints
    where supplier_id is not null and category_code is not null and kgco2e_per_unit is not null

),

supplier as (

    select
        'supplier_footprint:' || supplier_id || ':' || category_code || ':'
            || coalesce(cast(footprint_year as varchar), '') || ':' || coalesce(unit, '') as factor_id,
        'supplier:' || supplier_id || ':' || category_code as factor_key,
        'supplier_specific' as factor_family,
        null::varchar as region,
        footprint_year as year_from,
        footprint_year as year_to,
        unit as activity_unit,
        'CO2e' as gas,
        kgco2e_per_unit / 1000.0 as t_per_unit,
        kgco2e_per_unit || ' kg CO2e/' || coalesce(unit, '?') || ', supplier ' || supplier_id || ', '
            || case when is_verified then 'verified' else 'not verified' end
            || coalesce(' (' || footprint_standard || ')', '') as derivation,
        null::varchar as source_seed,
        'Supplier product footprint, procurement/supplier_footprints (' || source_record_key || ')'
            as source_document,
        case when is_verified then 'verified' else 'unverified' end as verification_status,
        false as is_custom,
        -- the footprint contract has no GWP set column
        'not stated' as gwp_set_of_source,
        false as serves_earlier_years
    from ranked_footprints
    where preference = 1

),

investee as (

    select
        'carbon_ledger:investee_reported_scope12' as factor_id,
        'investment:investee_reported_scope12' as factor_key,
        'investment_specific' as factor_family,
        null::varchar as region,
        null::integer as year_from,
        null::integer as year_to,
        't' as activity_unit,
        'CO2e' as gas,
        1.0::double as t_per_unit,
        'investee-reported Scope 1 + Scope 2 (t CO2e) x equity share: 1 t CO2e per t CO2e' as derivation,
        null::varchar as source_seed,
        'GHG Protocol Technical Guidance for Calculating Scope 3 Emissions (2013), calculation formula 15.1'
            as source_document,
        'verified' as verification_status,
        false as is_custom,
        -- the investee reports its own CO2e
        'not stated' as gwp_set_of_source,
        false as serves_earlier_years

)

select * from supplier
union all
select * from investee
