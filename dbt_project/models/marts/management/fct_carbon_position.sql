-- Carbon position (docs/methods.md M-CP-01, M-CP-02; T/CAS 612 3.1, 6.7): entity x year, and one
-- group row per year (is_group_total, entity_id = var group_root).
--   gross_t   = emissions of the neutrality scopes (carbon.yml neutrality.scopes,
--               default ["1", "2-market"]) under the primary approach:
--               sum of co2e_t x weight_<consolidation> of the entity's own rows
--               of fct_emissions (the weight includes its time in the group)
--   credits_retired_t      = credits retired with purpose `neutrality` for the
--                            year, each serial once (fct_carbon_credits.
--                            position_retired_t); `compliance` credits serve the
--                            ETS (below), `other` or none are listed only
--                            (credits_other_purpose_t), never in the net
--   allowances_cancelled_t = voluntarily cancelled ETS allowances of the year
--   removals_t             = own removals (erp/removals) of the year
--   net_t     = gross_t - credits_retired_t - allowances_cancelled_t - removals_t
--   is_neutral = net_t <= 0
-- Credits, allowances and removals are weighted like annual data: the holder's
-- primary-approach weight x its share of the year in the group
-- (int_carbon_assets__entity_year_weights), so entity rows add up to the group
-- row in every quantity. They never enter Scope 1-3 (fct_emissions).
-- ETS, per entity holding allowances of the compliance year (own figures of
-- the whole compliance year, then x the same weight):
--   ets_covered_emissions_t = the entity's own fossil CO2 of stationary
--                             combustion and processes at its ETS installations
--                             (facilities with ets_installation true; when none
--                             of its facilities says either way, all of them);
--                             mobile sources never (docs/methods.md M-CP-02; the Chinese
--                             ETS covers CO2 only). Unweighted, then x weight.
--   compliance_credits_applied_t = credits retired with purpose `compliance`
--                   for the compliance year, up to var ets_offset_limit_pct
--                   (default 5) % of covered emissions; the rest is
--                   compliance_credits_over_limit_t
--   ets_surplus_t = surrendered + applied compliance credits - covered
--                   (docs/methods.md M-CP-02; negative = deficit, emissions not covered)
--   ets_holdings_balance_t = available - covered, where available = allocated
--                   + purchased - sold - voluntarily cancelled + applied
--                   compliance credits (before surrender)
--   ets_cost_exposure = max(0, -ets_surplus_t) x var ets_price_per_t, reporting
--                       currency. The group row adds the entities' exposures: one
--                       entity's surplus does not hide another's deficit.
-- Every sum is exact (DECIMAL(38, 12), as exact_sum): entity rows are summed
-- as decimals and the group row sums those decimals, so entity rows add up
-- to the group row to the bit.
-- The steps are intermediate models: int_carbon_assets__credits_yearly (retired
-- credits by purpose), int_carbon_assets__ets_obligations (the ETS figures of
-- each entity, unweighted) and int_carbon_assets__entity_positions (the
-- weighted entity rows); here the group rows are added and the figures
-- published as doubles.
{% set approach = var('consolidation') %}  {#- validated by pipelines/lib/settings.py #}
{% set neutrality = var('neutrality') or {} %}
{% set scopes = neutrality_scopes(neutrality) %}
{% set neutrality_year = neutrality.get('year') %}
{% set price = var('ets_price_per_t') | float %}
{% set offset_limit_pct = var('ets_offset_limit_pct') | float %}
with

in_boundary as (

    select * from {{ ref('int_carbon_assets__entity_positions') }}

),

group_rows as (

    select
        reporting_year,
        '{{ var("group_root") }}' as entity_id,
        true as is_group_total,
        cast(null as double) as primary_weight,
        cast(null as double) as in_group_fraction,
        cast(null as double) as position_weight,
        sum(gross_t) as gross_t,
        sum(credits_retired_t) as credits_retired_t,
        sum(allowances_cancelled_t) as allowances_cancelled_t,
        sum(removals_t) as removals_t,
        bool_or(is_ets_covered) as is_ets_covered,
        string_agg(distinct ets_schemes, ',' order by ets_schemes) as ets_schemes,
        sum(ets_covered_emissions_t) as ets_covered_emissions_t,
        sum(compliance_credits_t) as compliance_credits_t,
        sum(compliance_credits_applied_t) as compliance_credits_applied_t,
        sum(compliance_credits_over_limit_t) as compliance_credits_over_limit_t,
        sum(credits_other_purpose_t) as credits_other_purpose_t,
        sum(allowances_allocated_t) as allowances_allocated_t,
        sum(allowances_purchased_t) as allowances_purchased_t,
        sum(allowances_sold_t) as allowances_sold_t,
        sum(allowances_surrendered_t) as allowances_surrendered_t,
        sum(ets_surplus_t) as ets_surplus_t,
        sum(ets_holdings_balance_t) as ets_holdings_balance_t,
        sum(ets_deficit_t) as ets_deficit_t,
        sum(emission_rows) as emission_rows,
        sum(credit_records) as credit_records
    from in_boundary
    group by reporting_year

),

all_rows as (

    select * from in_boundary
    union all by name
    select * from group_rows

),

final as (

    select
        reporting_year,
        entity_id,
        is_group_total,
        '{{ approach }}' as consolidation_approach,
        '{{ scopes | join(",") }}' as neutrality_scopes,
        {% if neutrality_year %}cast({{ neutrality_year | int }} as bigint){% else %}cast(null as bigint){% endif %}
            as neutrality_year,
        primary_weight,
        in_group_fraction,
        position_weight,
        cast(gross_t as double) as gross_t,
        cast(credits_retired_t as double) as credits_retired_t,
        cast(allowances_cancelled_t as double) as allowances_cancelled_t,
        cast(removals_t as double) as removals_t,
        cast(gross_t - credits_retired_t - allowances_cancelled_t - removals_t as double) as net_t,
        gross_t - credits_retired_t - allowances_cancelled_t - removals_t <= 0 as is_neutral,
        is_ets_covered,
        ets_schemes,
        cast(ets_covered_emissions_t as double) as ets_covered_emissions_t,
        cast(compliance_credits_t as double) as compliance_credits_t,
        cast(compliance_credits_applied_t as double) as compliance_credits_applied_t,
        cast(compliance_credits_over_limit_t as double) as compliance_credits_over_limit_t,
        cast({{ offset_limit_pct }} as double) as ets_offset_limit_pct,
        cast(credits_other_purpose_t as double) as credits_other_purpose_t,
        cast(allowances_allocated_t as double) as allowances_allocated_t,
        cast(allowances_purchased_t as double) as allowances_purchased_t,
        cast(allowances_sold_t as double) as allowances_sold_t,
        cast(allowances_surrendered_t as double) as allowances_surrendered_t,
        cast(ets_surplus_t as double) as ets_surplus_t,
        cast(ets_holdings_balance_t as double) as ets_holdings_balance_t,
        cast(ets_deficit_t as double) as ets_deficit_t,
        cast({{ price }} as double) as ets_price_per_t,
        cast(ets_deficit_t as double) * cast({{ price }} as double) as ets_cost_exposure,
        '{{ var("reporting_currency") }}' as currency_code,
        cast(emission_rows as bigint) as emission_rows,
        cast(credit_records as bigint) as credit_records
    from all_rows

)

-- carbon positions of the reporting years only (docs/methods.md M-PER-01)
select * from final
where {{ in_reporting_years('reporting_year') }}
