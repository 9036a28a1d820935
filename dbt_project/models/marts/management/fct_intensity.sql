-- Emission intensities (docs/methods.md M-INT-01; T/CAS 612 6.4): entity x
-- year x denominator, and the group total of each year and denominator.
--   intensity = numerator_t / denominator
--   numerator_t   the scopes of var('intensity_scopes') (carbon.yml
--                 intensity.scopes; default Scope 1 + Scope 2 location-based)
--                 from fct_emissions, biogenic CO2 excluded
--                 (int_intensity__numerators);
--   denominator   revenue or output value in 10^4 of the reporting currency
--                 (tCO2e/万元), or production of one product in its canonical
--                 unit (int_intensity__denominators).
-- The numerators and denominators are built per step in intermediate/management:
--   int_intensity__entity_financial_ratios  entity rows, revenue / output value:
--                the entity's own (100 %) emissions / its own denominator, both
--                for its time in the group (in_group_fraction)
--   int_intensity__group_financial_ratios   group rows (is_group_total) under
--                the primary approach var('consolidation'): sum(co2e x weight)
--                / sum(denominator x the same weight) (docs/decisions.md
--                "Intensities and targets")
--   int_intensity__product_ratios           production per facility, entity
--                and group (a facility making several products counts in full
--                against each: is_shared_numerator)
-- Here the rows are divided. A denominator that cannot be computed never
-- becomes a zero: the row stays, with intensity null and missing_reason
-- (no_denominator, no_fx_rate, no_currency, non_positive_denominator) and
-- missing_detail.
{% set approach = var('consolidation') %}
{% set scopes = var('intensity_scopes') %}
with

entity_financial_ratios as (

    select * from {{ ref('int_intensity__entity_financial_ratios') }}

),

group_financial_ratios as (

    select * from {{ ref('int_intensity__group_financial_ratios') }}

),

product_ratios as (

    select * from {{ ref('int_intensity__product_ratios') }}

),

unioned as (

    select * from entity_financial_ratios
    union all select * from group_financial_ratios
    union all select * from product_ratios

),

final as (

    select
        md5(concat_ws('|', reporting_year, entity_id, is_group_total, coalesce(facility_id, ''),
                      denominator_kind, coalesce(product, ''), denominator_unit)) as intensity_id,
        reporting_year::bigint as reporting_year,
        '{{ approach }}' as consolidation_approach,
        entity_id,
        is_group_total,
        facility_id,
        denominator_kind,
        product,
        '{{ scopes | join(",") }}' as numerator_scopes,
        numerator_t,
        -- a denominator with unconverted rows would be partial: not shown
        case when missing_reason in ('no_fx_rate', 'no_currency') then null else denominator end as denominator,
        denominator_unit,
        case when missing_reason is null then numerator_t / denominator end as intensity,
        'tCO2e/' || denominator_unit as intensity_unit,
        missing_reason,
        missing_detail,
        consolidation_weight,
        is_shared_numerator,
        entities_missing_denominator,
        '{{ var("gwp_set") }}' as gwp_set
    from unioned

)

-- intensities of the reporting years only (docs/methods.md M-PER-01)
select * from final
where {{ in_reporting_years('reporting_year') }}
