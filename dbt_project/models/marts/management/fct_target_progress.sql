-- Progress to target (docs/methods.md M-TGT-01; T/CAS 612 6.6): target x year, for every
-- target of carbon.yml (var targets) and the neutrality vision (var
-- neutrality, kind 'neutrality': 100 % of its scopes by neutrality.year).
--   target_value = base_value x (1 - reduction_pct / 100)
--   trajectory   = base_value + (target_value - base_value)
--                  x (year - base_year) / (target_year - base_year),
--                  target_value from the target year on (linear, docs/methods.md M-TGT-01)
--   progress_pct = (base_value - actual) / (base_value - target_value) x 100
--   is_on_track  = actual <= trajectory (1e-9 tolerance: the sums behind
--                  actual and base are exact to 1e-12 t, not to the last bit)
-- Everything under the primary approach, var('consolidation').
-- absolute, neutrality: tCO2e of the target's scopes. base_value is the applied
--   (possibly recalculated) base of fct_baseline when the target's base year is
--   the configured base year (or one of the averaged years), otherwise the
--   group inventory of the target's own base year (base_source says which).
--   actual is rpt_group_inventory of the year. The neutrality row is gross
--   emissions: credits, allowances and removals are in fct_carbon_position.
-- intensity: the group intensity of fct_intensity for the target's denominator
--   (revenue | output_value | production:<product>); base_value is that
--   intensity in the base year (no recalculation: a denominator cannot be
--   restated with today's boundary). The target's scopes must be the intensity
--   numerator (var intensity_scopes; settings.py enforces it), otherwise
--   actual is null with missing_reason 'scopes_not_intensity_scopes'.
-- Like for like (docs/methods.md M-TGT-02; GHG Protocol ch. 5): for year Y the base and
--   the actual are both on the boundary at the end of Y (boundary_year); `actual`
--   and `base_value` are that pair, `reported_actual` and `original_base_value`
--   the figures as reported. Per scope, below var('recalculation_threshold_pct')
--   % of change the as-reported pair is compared instead (is_base_recalculated
--   false; int_targets__absolute_values). The base year always shows 0 % progress.
-- Rows run from the base year through the later of the target year and the
-- last reporting year (int_reporting_years); other years have actual null
-- (missing_reason 'not_reported'). Years after the last reporting year are on
-- its boundary.
-- Steps: int_targets__target_years (the targets and their years, boundaries),
-- int_targets__inventory_totals (the inventory as rpt_group_inventory sums it),
-- int_targets__absolute_values (bases and actuals of absolute and neutrality
-- targets, like for like or as reported); here the intensity targets take
-- fct_intensity's group intensity, then trajectory and progress.
{% set approach = var('consolidation') %}
{% set neutrality = var('neutrality') or {} %}
with

target_years as (

    select * from {{ ref('int_targets__target_years') }}

),

targets as (

    select distinct
        target_name, target_kind, scopes, denominator, base_year, target_year, reduction_pct,
        is_intensity_numerator
    from target_years

),

absolute_values as (

    select * from {{ ref('int_targets__absolute_values') }}

),

intensity as (

    select * from {{ ref('fct_intensity') }}
    where is_group_total

),

group_intensities as (

    -- the group intensity an intensity target follows; a product reported in
    -- units that do not convert has one row per unit: the first unit wins
    select
        t.target_name,
        i.reporting_year,
        i.intensity,
        i.intensity_unit,
        i.missing_reason,
        row_number() over (partition by t.target_name, i.reporting_year order by i.denominator_unit) as preference
    from targets as t
    inner join intensity as i
        on i.denominator_kind = split_part(t.denominator, ':', 1)
        and (i.denominator_kind <> 'production' or i.product = split_part(t.denominator, ':', 2))
    where t.target_kind = 'intensity'

),

actuals as (

    select
        ty.target_name,
        ty.reporting_year,
        case
            when not ty.is_reported then null
            when ty.target_kind <> 'intensity' then av.actual
            when ty.is_intensity_numerator then gi.intensity
        end as actual,
        case
            when not ty.is_reported then null
            when ty.target_kind <> 'intensity' then av.reported_actual
            when ty.is_intensity_numerator then gi.intensity
        end as reported_actual,
        case
            when not ty.is_reported then 'not_reported'
            when ty.target_kind <> 'intensity' then null
            when not ty.is_intensity_numerator then 'scopes_not_intensity_scopes'
            when gi.target_name is null then 'no_denominator'
            else gi.missing_reason
        end as missing_reason,
        case when ty.target_kind = 'intensity' then gi.intensity_unit else 'tCO2e' end as unit
    from target_years as ty
    left join absolute_values as av
        on av.target_name = ty.target_name
        and av.reporting_year = ty.reporting_year
    left join group_intensities as gi
        on gi.target_name = ty.target_name
        and gi.reporting_year = ty.reporting_year
        and gi.preference = 1

),

intensity_bases as (

    -- an intensity target's base: the group intensity of its base year (no
    -- recalculation: a denominator cannot be restated with today's boundary)
    select target_name, actual as base_value, unit as base_unit
    from actuals
    where (target_name, reporting_year) in (select (target_name, base_year) from targets)

),

valued as (

    select
        ty.target_name,
        ty.target_kind,
        ty.scopes,
        ty.denominator,
        ty.reporting_year,
        ty.base_year,
        ty.target_year,
        ty.reduction_pct,
        case when ty.target_kind = 'intensity' then ib.base_value else av.base_value end as base_value,
        case when ty.target_kind = 'intensity' then ib.base_value else av.original_base_value end
            as original_base_value,
        case
            when ty.target_kind = 'intensity' then 'fct_intensity'
            when ty.is_configured_base then 'fct_baseline'
            else 'rpt_group_inventory'
        end as base_source,
        coalesce(av.is_base_recalculated, false) as is_base_recalculated,
        ty.boundary_year,
        a.actual,
        a.reported_actual,
        coalesce(a.unit, ib.base_unit, 'tCO2e') as unit,
        case
            when (case when ty.target_kind = 'intensity' then ib.base_value else av.base_value end) is null
            then 'no_base_value'
            else a.missing_reason
        end as missing_reason
    from target_years as ty
    left join absolute_values as av
        on av.target_name = ty.target_name
        and av.reporting_year = ty.reporting_year
    left join intensity_bases as ib
        on ib.target_name = ty.target_name
    left join actuals as a
        on a.target_name = ty.target_name
        and a.reporting_year = ty.reporting_year

),

final as (

    select
        target_name,
        reporting_year,
        target_kind,
        scopes,
        denominator,
        '{{ approach }}' as consolidation_approach,
        base_year,
        target_year,
        reduction_pct,
        base_value,
        original_base_value,
        base_source,
        is_base_recalculated,
        boundary_year,
        target_value,
        case
            when reporting_year >= target_year then target_value
            else base_value + (target_value - base_value)
                 * (reporting_year - base_year)::double / (target_year - base_year)
        end as trajectory,
        actual,
        reported_actual,
        unit,
        case
            when base_value <> target_value
            then (base_value - actual) / (base_value - target_value) * 100
        end as progress_pct,
        actual <= (case
            when reporting_year >= target_year then target_value
            else base_value + (target_value - base_value)
                 * (reporting_year - base_year)::double / (target_year - base_year)
        end) + 1e-9 as is_on_track,
        missing_reason,
        {{ (neutrality.get('year') | int) if neutrality.get('year') else 'null' }}::integer as neutrality_year,
        target_kind <> 'neutrality' as is_interim,
        '{{ var("gwp_set") }}' as gwp_set
    from (select *, base_value * (1 - reduction_pct / 100) as target_value from valued)

)

select * from final
