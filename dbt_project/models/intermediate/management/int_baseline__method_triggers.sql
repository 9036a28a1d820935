-- Changes of method and factors between the base year and the current year
-- (docs/methods.md M-BASE-03; GHG Protocol Corporate Standard ch. 5; T/CAS 612 6.5): an
-- emission stream whose current-year figure comes from a method or factor
-- source its base-year figure did not use. A stream is one scope x Scope 2
-- method x Scope 3 category x source type x entity x facility x supplier x
-- activity. Three kinds trigger a recalculation:
--   factor_published        the base year used a fallback (a market-based
--                           figure on the location factor because no residual
--                           mix existed), the current year a factor published
--                           since (market_residual_mix);
--   supplier_specific_data  the base year estimated a supplier's goods with
--                           average or spend data, the current year uses the
--                           supplier's own product footprint;
--   factor_edition          same method, another edition of the factor
--                           publication (DESNZ 2023 -> DESNZ 2024).
-- The recalculated base-year figure applies the new method to the base-year
-- activity data: each base-year record's quantity x the new method's factor
-- per unit of the first year after the base year in which the stream used it
-- (the year nearest to the base year; its emissions / activity, per gas, summed
-- over gases). A record whose unit the new method never priced cannot be
-- recalculated: it keeps its reported figure and the trigger is a finding
-- (trigger_status 'partly_recalculated' or 'not_recalculable'), never a guess.
-- Real changes are not triggers: contractual instruments bought (GEC, green
-- power), measured fuel parameters of a batch, a factor's yearly value in the
-- same series; a new GWP set applies to every year alike unless the base year
-- is locked (then int_baseline__locked_base_years logs it).
-- Effects are weighted like int_baseline__entity_base_years.current_t, on the
-- boundary at the end of a reporting year (the entity's chain weight, if it is
-- in the group on 31 December): for every reporting year from the first that
-- used the new method (boundary_year; fct_baseline reads the current year,
-- like-for-like target progress each year). Grain: trigger x base year x
-- boundary year x approach x scope x Scope 2 method.
-- The changed streams and their base-year records repriced are
-- int_baseline__method_trigger_records; here they are weighted and summed per trigger.
with

repriced_records as (

    select * from {{ ref('int_baseline__method_trigger_records') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

current_year as (

    -- the last reporting year (int_reporting_years, docs/methods.md M-PER-01)
    select {{ current_reporting_year() }} as current_year

),

boundary_years as (

    select reporting_year as boundary_year from {{ ref('int_reporting_years') }}

),

weighted as (

    -- on the boundary (and with the methods) of each reporting year from the
    -- first that used the new method: the current year for fct_baseline, every
    -- such year for like-for-like target progress (int_targets__pro_forma_emissions)
    select
        g.*,
        y.boundary_year,
        a.consolidation_approach,
        {{ in_group_at_year_end('w.in_group_from_date', 'w.in_group_to_date', 'y.boundary_year') }}
        * case a.consolidation_approach
            when 'equity_share' then g.chain_weight_equity_share
            when 'operational_control' then g.chain_weight_operational_control
            else g.chain_weight_financial_control
        end as current_weight
    from repriced_records as g
    inner join boundary_years as y
        on y.boundary_year >= g.first_new_year
    cross join approaches as a
    left join weights as w
        on w.entity_id = g.entity_id

),

final as (

    select
        trigger_id,
        any_value(trigger_type) as trigger_type,
        base_year,
        boundary_year,
        any_value(c.current_year) as current_year,
        consolidation_approach,
        scope,
        scope2_method,
        make_date(min(first_new_year)::int, 1, 1) as event_date,
        case
            when bool_and(recalculated_t is not null) then 'recalculated'
            when bool_or(recalculated_t is not null) then 'partly_recalculated'
            else 'not_recalculable'
        end as trigger_status,
        any_value(old_method) || ' (' || any_value(old_family) || ') → ' || any_value(new_method)
            || ' (' || any_value(new_family) || ', factor of ' || min(first_new_year)::varchar
            || ' per ' || string_agg(distinct activity_unit, ', ' order by activity_unit) || '); '
            || count(distinct stream_key) || ' stream(s), ' || count(distinct source_record_key)
            || ' base-year record(s)'
            || case when bool_and(recalculated_t is not null) then ''
                    else '; ' || count(*) filter (where recalculated_t is null)
                         || ' record(s) in a unit the new method never priced ('
                         || string_agg(distinct activity_unit, ', ') filter (where recalculated_t is null)
                         || '), kept as reported' end
            as cause_detail,
        count(distinct source_record_key) as base_year_records,
        -- records the new method cannot price keep their reported figure
        case when bool_or(recalculated_t is not null)
             then {{ exact_sum('current_weight * coalesce(recalculated_t - original_t, 0)') }}
        end as effect_t
    from weighted
    cross join current_year as c
    group by trigger_id, base_year, boundary_year, consolidation_approach, scope, scope2_method

)

select * from final
