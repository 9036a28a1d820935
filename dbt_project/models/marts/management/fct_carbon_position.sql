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
{% set approach = var('consolidation') %}  {#- validated by pipelines/lib/settings.py #}
{% set neutrality = var('neutrality') or {} %}
{% set scopes = neutrality_scopes(neutrality) %}
{% set neutrality_year = neutrality.get('year') %}
{% set price = var('ets_price_per_t') | float %}
{% set offset_limit_pct = var('ets_offset_limit_pct') | float %}
{% set dec = 'decimal(38, 12)' %}
with

emissions as (

    select * from {{ ref('fct_emissions') }}

),

credits as (

    select * from {{ ref('fct_carbon_credits') }}

),

allowances as (

    select * from {{ ref('stg_erp__carbon_allowances') }}

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

facilities as (

    select
        f.facility_id,
        f.entity_id,
        f.is_ets_installation,
        -- an entity none of whose facilities states the flag: all its
        -- stationary and process sources are covered (docs/methods.md M-CP-02 default)
        count(f.is_ets_installation) over (partition by f.entity_id) = 0 as entity_states_no_flag
    from {{ ref('stg_erp__facilities') }} as f

),

own_scope1 as (

    -- the entity's own fossil CO2 of stationary combustion and processes at its
    -- ETS installations, whole year, unweighted: what its ETS compliance covers
    -- (the Chinese ETS covers CO2 only; CH4, N2O, fluorinated gases, Scope 2
    -- and mobile sources are not surrendered against)
    select
        cast(e.reporting_year as bigint) as reporting_year,
        e.entity_id,
        sum(cast(e.co2e_t as {{ dec }})) as scope1_co2_t
    from emissions as e
    inner join facilities as f
        on f.facility_id = e.facility_id
    where e.entity_id is not null
      and e.scope = '1'
      and e.gas = 'CO2'
      and not e.is_biogenic
      and e.source_type in ('stationary_combustion', 'process')
      and (f.is_ets_installation or f.entity_states_no_flag)
    group by all

),

compliance_credits as (

    -- own credits retired for compliance, by compliance year (unweighted; each serial once)
    select
        cast(retired_for_year as bigint) as reporting_year,
        entity_id,
        sum(cast(counted_retired_t as {{ dec }})) as compliance_credits_t
    from credits
    where retirement_purpose = 'compliance'
      and retired_for_year is not null
      and entity_id is not null
    group by all

),

other_purpose_credits as (

    -- retired with purpose other or none: listed, counted nowhere
    select
        cast(retired_for_year as bigint) as reporting_year,
        entity_id,
        sum(cast(counted_retired_t * position_weight as {{ dec }})) as credits_other_purpose_t
    from credits
    where retirement_purpose is distinct from 'neutrality'
      and retirement_purpose is distinct from 'compliance'
      and retired_for_year is not null
      and entity_id is not null
    group by all

),

retired as (

    select
        retired_for_year as reporting_year,
        entity_id,
        sum(cast(position_retired_t as {{ dec }})) as credits_retired_t,
        count(*) filter (where position_retired_t > 0) as credit_records
    from credits
    where retired_for_year is not null
      and entity_id is not null
    group by all

),

allowance_statements as (

    -- own figures of the compliance year, all schemes of the entity together
    select
        cast(compliance_year as bigint) as reporting_year,
        entity_id,
        sum(cast(allocated_t as {{ dec }})) as allocated_t,
        sum(cast(purchased_t as {{ dec }})) as purchased_t,
        sum(cast(sold_t as {{ dec }})) as sold_t,
        sum(cast(surrendered_t as {{ dec }})) as surrendered_t,
        sum(cast(voluntarily_cancelled_t as {{ dec }})) as voluntarily_cancelled_t,
        string_agg(distinct scheme, ',' order by scheme) as ets_schemes
    from allowances
    where compliance_year is not null
      and entity_id is not null
    group by all

),

ets_covered as (

    select
        a.*,
        coalesce(s.scope1_co2_t, 0) as covered_t,
        coalesce(cc.compliance_credits_t, 0) as compliance_credits_t,
        least(
            coalesce(cc.compliance_credits_t, 0),
            cast(coalesce(s.scope1_co2_t, 0) * {{ offset_limit_pct }} / 100 as {{ dec }})
        ) as compliance_applied_t
    from allowance_statements as a
    left join own_scope1 as s
        on s.entity_id = a.entity_id
        and s.reporting_year = a.reporting_year
    left join compliance_credits as cc
        on cc.entity_id = a.entity_id
        and cc.reporting_year = a.reporting_year

),

ets_own as (

    select
        *,
        surrendered_t + compliance_applied_t - covered_t as surplus_t,
        allocated_t + purchased_t - sold_t - voluntarily_cancelled_t + compliance_applied_t - covered_t
            as holdings_balance_t
    from ets_covered

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
