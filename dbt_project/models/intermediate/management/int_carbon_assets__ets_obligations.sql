-- ETS obligations per entity and compliance year (docs/methods.md M-CP-02;
-- T/CAS 612 6.7): the entity's own figures of the whole compliance year,
-- unweighted (int_carbon_assets__entity_positions weights them), for every
-- entity with an allowance statement (erp/carbon_allowances, all its schemes
-- together):
--   covered_t            the entity's own fossil CO2 of stationary combustion and
--                        processes at its ETS installations (facilities with
--                        ets_installation true; when none of its facilities says
--                        either way, all of them); mobile sources never (the
--                        Chinese ETS covers CO2 only)
--   compliance_applied_t credits retired with purpose `compliance` for the year
--                        (int_carbon_assets__credits_yearly), up to
--                        var ets_offset_limit_pct % of covered_t
--   surplus_t            surrendered + compliance_applied - covered (negative =
--                        deficit, emissions not covered)
--   holdings_balance_t   allocated + purchased - sold - voluntarily cancelled +
--                        compliance_applied - covered (before surrender)
-- Every sum exact (DECIMAL(38, 12)). Grain: reporting_year (compliance year) x
-- entity. A view: only int_carbon_assets__entity_positions reads it.
{{ config(materialized='view') }}
{% set offset_limit_pct = var('ets_offset_limit_pct') | float %}
{% set dec = 'decimal(38, 12)' %}
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}

),

allowances as (

    select * from {{ ref('stg_erp__carbon_allowances') }}

),

compliance_credits as (

    select reporting_year, entity_id, compliance_credits_t
    from {{ ref('int_carbon_assets__credits_yearly') }}
    where compliance_credits_t is not null

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

)

select * from ets_own
