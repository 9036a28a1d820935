-- Carbon position (METHODS.md 8; T/CAS 612 3.1, 6.7): entity x year, and one
-- group row per year (is_group_total, entity_id = var group_root).
--   gross_t   = emissions of the neutrality scopes (carbon.yml neutrality.scopes,
--               default ["1", "2-market"]) under the primary approach:
--               sum of co2e_t x weight_<consolidation> of the entity's own rows
--               of fct_emissions (the weight includes its time in the group)
--   credits_retired_t      = retired credits with retired_for_year = year, each
--                            serial once (fct_carbon_credits.position_retired_t)
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
--   ets_covered_emissions_t = the entity's own fossil Scope 1 CO2 of the year
--                             (unweighted, then x weight; the Chinese ETS
--                             covers CO2 only)
--   ets_surplus_t = surrendered - covered (METHODS.md 8: "surrendered vs covered
--                   emissions"; negative = deficit, emissions not yet covered)
--   ets_holdings_balance_t = available - covered, where available = allocated
--                   + purchased - sold - voluntarily cancelled (the position of
--                   the allowance account before surrender)
--   ets_cost_exposure = max(0, -ets_surplus_t) x var ets_price_per_t, reporting
--                       currency. The group row adds the entities' exposures: one
--                       entity's surplus does not hide another's deficit.
-- Every sum is exact (DECIMAL(38, 12), as exact_sum): entity rows are summed
-- as decimals and the group row sums those decimals, so entity rows add up
-- to the group row to the bit.
{% set approach = var('consolidation', 'operational_control') %}
{% if approach not in ['equity_share', 'operational_control', 'financial_control'] %}
    {{ exceptions.raise_compiler_error("var consolidation must be equity_share, operational_control or financial_control, not '" ~ approach ~ "'") }}
{% endif %}
{% set neutrality = var('neutrality', {}) or {} %}
{% set scopes = (neutrality.get('scopes') or ['1', '2-market']) | map('string') | map('trim') | list %}
{% set scope_predicates = {
    '1': "e.scope = '1'",
    '2-location': "(e.scope = '2' and e.scope2_method = 'location')",
    '2-market': "(e.scope = '2' and e.scope2_method = 'market')",
    '3': "e.scope = '3'",
} %}
{% set predicates = [] %}
{% for s in scopes %}
    {% if s not in scope_predicates %}
        {{ exceptions.raise_compiler_error("neutrality.scopes in carbon.yml: '" ~ s ~ "' is not a scope label; use 1, 2-location, 2-market or 3") }}
    {% endif %}
    {% do predicates.append(scope_predicates[s]) %}
{% endfor %}
{% set neutrality_year = neutrality.get('year') %}
{% set price = var('ets_price_per_t', 0) | float %}
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
      and ({{ predicates | join(' or ') }})
    group by all

),

own_scope1 as (

    -- the entity's own fossil Scope 1 CO2 of the whole year, unweighted: what
    -- its ETS compliance covers (the Chinese ETS covers CO2 only; CH4, N2O,
    -- fluorinated gases and Scope 2 are not surrendered against)
    select
        cast(e.reporting_year as bigint) as reporting_year,
        e.entity_id,
        sum(cast(e.co2e_t as {{ dec }})) as scope1_co2_t
    from emissions as e
    where e.entity_id is not null
      and e.scope = '1'
      and e.gas = 'CO2'
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

ets_own as (

    select
        a.*,
        coalesce(s.scope1_co2_t, 0) as covered_t,
        a.surrendered_t - coalesce(s.scope1_co2_t, 0) as surplus_t,
        a.allocated_t + a.purchased_t - a.sold_t - a.voluntarily_cancelled_t - coalesce(s.scope1_co2_t, 0)
            as holdings_balance_t
    from allowance_statements as a
    left join own_scope1 as s
        on s.entity_id = a.entity_id
        and s.reporting_year = a.reporting_year

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
        '{{ var("group_root", "G001") }}' as entity_id,
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
        cast(allowances_allocated_t as double) as allowances_allocated_t,
        cast(allowances_purchased_t as double) as allowances_purchased_t,
        cast(allowances_sold_t as double) as allowances_sold_t,
        cast(allowances_surrendered_t as double) as allowances_surrendered_t,
        cast(ets_surplus_t as double) as ets_surplus_t,
        cast(ets_holdings_balance_t as double) as ets_holdings_balance_t,
        cast(ets_deficit_t as double) as ets_deficit_t,
        cast({{ price }} as double) as ets_price_per_t,
        cast(ets_deficit_t as double) * cast({{ price }} as double) as ets_cost_exposure,
        '{{ var("reporting_currency", "CNY") }}' as currency_code,
        cast(emission_rows as bigint) as emission_rows,
        cast(credit_records as bigint) as credit_records
    from all_rows

)

select * from final
