-- The carbon position of each entity and year before the group rows
-- (docs/methods.md M-CP-01, M-CP-02; T/CAS 612 3.1, 6.7), exact decimals
-- (DECIMAL(38, 12)) that fct_carbon_position sums into the group row and
-- publishes as doubles:
--   gross_t   = emissions of the neutrality scopes (carbon.yml neutrality.scopes)
--               under the primary approach: sum of co2e_t x weight_<consolidation>
--               of the entity's own rows of int_emission_lines_weighted (the
--               rows of fct_emissions; the weight includes its time in the group)
--   credits_retired_t, credits_other_purpose_t, compliance credits: the
--               retired credits of the year (int_carbon_assets__credits_yearly)
--   allowances, removals and the ETS figures (int_carbon_assets__ets_obligations,
--               erp/removals): the entity's own figures x position_weight (the
--               holder's primary-approach weight x its share of the year in the
--               group, int_carbon_assets__entity_year_weights); the ETS deficit
--               is the entity's own, then weighted
-- Grain: reporting_year x entity, for every entity with emissions, credits,
-- an allowance statement or removals in the year, inside the boundary
-- (position_weight > 0 or gross_t <> 0). A view: only fct_carbon_position reads it.
{{ config(materialized='view') }}
{% set approach = var('consolidation') %}  {#- validated by pipelines/lib/settings.py #}
{% set neutrality = var('neutrality') or {} %}
{% set scopes = neutrality_scopes(neutrality) %}
{% set dec = 'decimal(38, 12)' %}
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}

),

credits_yearly as (

    select * from {{ ref('int_carbon_assets__credits_yearly') }}

),

retired as (

    select reporting_year, entity_id, credits_retired_t, credit_records from credits_yearly

),

compliance_credits as (

    select reporting_year, entity_id, compliance_credits_t from credits_yearly
    where compliance_credits_t is not null

),

other_purpose_credits as (

    select reporting_year, entity_id, credits_other_purpose_t from credits_yearly
    where credits_other_purpose_t is not null

),

ets_own as (

    select * from {{ ref('int_carbon_assets__ets_obligations') }}

),

removals as (

    select * from {{ ref('stg_erp__removals') }}

),

entity_years as (

    select * from {{ ref('int_carbon_assets__entity_year_weights') }}

),

gross as (

    select
        cast(e.reporting_year as bigint) as reporting_year,
        e.entity_id,
        sum(cast(e.co2e_t * e.weight_{{ approach }} as {{ dec }})) as gross_t,
        count(*) as emission_rows
    from emissions as e
    where e.entity_id is not null
      and {{ scope_labels_filter(scopes, 'e') }}
    group by all

),

own_removals as (

    select
        cast(reporting_year as bigint) as reporting_year,
        entity_id,
        sum(cast(removals_t as {{ dec }})) as removals_t
    from removals
    where reporting_year is not null
      and entity_id is not null
    group by all

),

keys as (

    select reporting_year, entity_id from gross
    union
    select reporting_year, entity_id from retired
    union
    select reporting_year, entity_id from ets_own
    union
    select reporting_year, entity_id from own_removals
    union
    select reporting_year, entity_id from compliance_credits
    union
    select reporting_year, entity_id from other_purpose_credits

),

entity_rows as (

    -- weighted entity figures, still exact decimals
    select
        k.reporting_year,
        k.entity_id,
        false as is_group_total,
        w.primary_weight,
        w.in_group_fraction,
        coalesce(w.position_weight, 0) as position_weight,
        coalesce(g.gross_t, 0) as gross_t,
        coalesce(r.credits_retired_t, 0) as credits_retired_t,
        cast(coalesce(a.voluntarily_cancelled_t, 0) * coalesce(w.position_weight, 0) as {{ dec }})
            as allowances_cancelled_t,
        cast(coalesce(m.removals_t, 0) * coalesce(w.position_weight, 0) as {{ dec }}) as removals_t,
        a.entity_id is not null as is_ets_covered,
        a.ets_schemes,
        cast(coalesce(a.covered_t, 0) * coalesce(w.position_weight, 0) as {{ dec }}) as ets_covered_emissions_t,
        -- compliance credits of an entity without an allowance statement serve no obligation here
        cast(coalesce(a.compliance_credits_t, c.compliance_credits_t, 0) * coalesce(w.position_weight, 0)
             as {{ dec }}) as compliance_credits_t,
        cast(coalesce(a.compliance_applied_t, 0) * coalesce(w.position_weight, 0) as {{ dec }})
            as compliance_credits_applied_t,
        cast((coalesce(a.compliance_credits_t, c.compliance_credits_t, 0) - coalesce(a.compliance_applied_t, 0))
             * coalesce(w.position_weight, 0) as {{ dec }}) as compliance_credits_over_limit_t,
        coalesce(o.credits_other_purpose_t, 0) as credits_other_purpose_t,
        cast(coalesce(a.allocated_t, 0) * coalesce(w.position_weight, 0) as {{ dec }}) as allowances_allocated_t,
        cast(coalesce(a.purchased_t, 0) * coalesce(w.position_weight, 0) as {{ dec }}) as allowances_purchased_t,
        cast(coalesce(a.sold_t, 0) * coalesce(w.position_weight, 0) as {{ dec }}) as allowances_sold_t,
        cast(coalesce(a.surrendered_t, 0) * coalesce(w.position_weight, 0) as {{ dec }})
            as allowances_surrendered_t,
        cast(coalesce(a.surplus_t, 0) * coalesce(w.position_weight, 0) as {{ dec }}) as ets_surplus_t,
        cast(coalesce(a.holdings_balance_t, 0) * coalesce(w.position_weight, 0) as {{ dec }})
            as ets_holdings_balance_t,
        -- the deficit is the entity's own, priced, then weighted
        cast(greatest(0, -coalesce(a.surplus_t, 0)) * coalesce(w.position_weight, 0) as {{ dec }})
            as ets_deficit_t,
        coalesce(g.emission_rows, 0) as emission_rows,
        coalesce(r.credit_records, 0) as credit_records
    from keys as k
    left join entity_years as w
        on w.entity_id = k.entity_id
        and w.reporting_year = k.reporting_year
    left join gross as g
        on g.entity_id = k.entity_id
        and g.reporting_year = k.reporting_year
    left join retired as r
        on r.entity_id = k.entity_id
        and r.reporting_year = k.reporting_year
    left join ets_own as a
        on a.entity_id = k.entity_id
        and a.reporting_year = k.reporting_year
    left join own_removals as m
        on m.entity_id = k.entity_id
        and m.reporting_year = k.reporting_year
    left join compliance_credits as c
        on c.entity_id = k.entity_id
        and c.reporting_year = k.reporting_year
    left join other_purpose_credits as o
        on o.entity_id = k.entity_id
        and o.reporting_year = k.reporting_year

),

in_boundary as (

    -- an entity outside the boundary in a year (weight 0) adds nothing to the
    -- position and gets no row; its credits are in fct_carbon_credits
    select * from entity_rows
    where position_weight > 0 or gross_t <> 0

)

select * from in_boundary
