-- Intensity numerators (docs/methods.md M-INT-01; T/CAS 612 6.4), one row per
-- reporting year x entity x facility (either may be null): the emissions of
-- the intensity scopes, var('intensity_scopes') (carbon.yml intensity.scopes;
-- default Scope 1 + Scope 2 location-based), biogenic CO2 excluded, from the
-- rows of fct_emissions (int_emission_lines_weighted):
--   numerator_t           sum of co2e_t x in_group_fraction (the entity's own
--                         emissions for its time in the group)
--   weighted_numerator_t  sum of co2e_t x weight under var('consolidation')
--                         (the entity's contribution to the group total)
-- The sums stay DECIMAL(38, 12), each line rounded as exact_sum rounds it, so
-- that the ratio models (int_intensity__*_ratios) add them up per entity,
-- facility or group exactly as one exact_sum over the lines would.
{% set approach = var('consolidation') %}
{% set scopes = var('intensity_scopes') %}
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}

),

scoped_emissions as (

    select
        reporting_year,
        entity_id,
        facility_id,
        co2e_t,
        in_group_fraction,
        weight_{{ approach }} as group_weight
    from emissions
    where scope <> 'biogenic'
      and {{ scope_labels_filter(scopes) }}

),

final as (

    select
        reporting_year,
        entity_id,
        facility_id,
        sum(cast(co2e_t * in_group_fraction as decimal(38, 12))) as numerator_t,
        sum(cast(co2e_t * group_weight as decimal(38, 12))) as weighted_numerator_t,
        count(*) filter (where in_group_fraction > 0) as emission_rows_in_group
    from scoped_emissions
    group by all

)

select * from final
