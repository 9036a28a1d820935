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
--   the actual are both on the boundary at the end of Y (boundary_year,
--   int_targets__pro_forma_emissions): an entity in the group on 31 Dec Y
--   counts for the whole of Y and the whole base year with its end-of-Y
--   weight; one that left counts in neither. `actual` and `base_value` are
--   that pair; `reported_actual` is the inventory of Y as reported (days-in-
--   group pro-rating) and `original_base_value` the base as reported. Per
--   scope, when the like-for-like base differs from the original by less than
--   var('recalculation_threshold_pct') %, the original base and the reported
--   actual are compared instead (is_base_recalculated false). The base year
--   itself therefore always shows 0 % progress.
-- Rows run from the base year through the later of the target year and the
-- last reporting year (int_reporting_years); other years have actual null
-- (missing_reason 'not_reported'). Years after the last reporting year are on
-- its boundary.
{% set approach = var('consolidation') %}
{% set base_years = var('base_years') %}
{% set neutrality = var('neutrality') or {} %}
{% set intensity_scopes = var('intensity_scopes') | map('string') | sort | list %}
{% set rows = [] %}
{% for t in var('targets') or [] %}
    {% do rows.append({
        'name': t['name'] | string,
        'kind': t.get('kind', 'absolute') | string,
        'scopes': t.get('scopes', []) | map('string') | list,
        'denominator': t.get('denominator'),
        'base_year': t['base_year'] | int,
        'target_year': t['target_year'] | int,
        'reduction_pct': t['reduction_pct'] | float,
    }) %}
{% endfor %}
{% if neutrality.get('year') %}
    {% do rows.append({
        'name': 'neutrality-' ~ (neutrality['year'] | int),
        'kind': 'neutrality',
        'scopes': neutrality_scopes(neutrality),
        'denominator': none,
        'base_year': base_years | min | int,
        'target_year': neutrality['year'] | int,
        'reduction_pct': 100.0,
    }) %}
{% endif %}
with

baseline as (

    select * from {{ ref('fct_baseline') }}

),

inventory as (

    select * from {{ ref('rpt_group_inventory') }}
    where consolidation_approach = '{{ approach }}'

),

intensity as (

    select * from {{ ref('fct_intensity') }}
    where is_group_total

),

targets as (

    {% if rows | length == 0 -%}
    select
        null::varchar as target_name,
        null::varchar as target_kind,
        null::varchar as scopes,
        null::varchar as denominator,
        null::integer as base_year,
        null::integer as target_year,
        null::double as reduction_pct,
        null::boolean as is_intensity_numerator
    where false
    {%- else -%}
    select
        target_name,
        target_kind,
        scopes,
        denominator::varchar as denominator,
        base_year::integer as base_year,
        target_year::integer as target_year,
        reduction_pct::double as reduction_pct,
        is_intensity_numerator
    from (values
        {%- for r in rows %}
        ('{{ r.name | replace("'", "''") }}', '{{ r.kind | replace("'", "''") }}',
         '{{ r.scopes | join(',') | replace("'", "''") }}',
         {% if r.denominator %}'{{ r.denominator | string | replace("'", "''") }}'{% else %}null{% endif %},
         {{ r.base_year }}, {{ r.target_year }}, {{ r.reduction_pct }},
         {{ 'true' if (r.scopes | sort | list) == intensity_scopes else 'false' }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t(target_name, target_kind, scopes, denominator, base_year, target_year, reduction_pct,
           is_intensity_numerator)
    {%- endif %}

),

target_scopes as (

    -- scope labels -> (scope, scope2_method) of the inventory
    select
        t.target_name,
        label.scope_label,
        {{ scope_label_scope('label.scope_label') }} as scope,
        {{ scope_label_scope2_method('label.scope_label') }} as scope2_method
    from targets as t
    cross join unnest(string_split(t.scopes, ',')) as label(scope_label)

),

reporting_years as (

    select reporting_year from {{ ref('int_reporting_years') }}

),

reported_years as (

    -- the reporting years (int_reporting_years, docs/methods.md M-PER-01) that have an
    -- inventory; other years - and a reporting year without any inventory row,
    -- e.g. inside the span of complete years - have actual null
    -- (missing_reason 'not_reported'), never a zero
    select reporting_year from reporting_years
    where reporting_year in (select reporting_year from {{ ref('rpt_group_inventory') }})

),

target_years as (

    select
        t.*,
        y.reporting_year::bigint as reporting_year,
        -- the boundary a year is judged on: its own end of year; a year after the
        -- last reporting year (or a gap) takes the last boundary before it
        coalesce(
            (select max(r.reporting_year) from reporting_years as r where r.reporting_year <= y.reporting_year),
            (select min(r.reporting_year) from reporting_years as r)
        )::bigint as boundary_year
    from targets as t
    cross join (select coalesce(max(reporting_year), 0) as last_year from reporting_years) as r
    cross join unnest(range(t.base_year, greatest(t.target_year, r.last_year) + 1)) as y(reporting_year)

),

target_base_years as (

    -- the years a base averages: the configured base years when the target's base
    -- year is one of them (fct_baseline), otherwise the target's own base year
    select
        t.target_name,
        b.base_of_year::bigint as base_of_year,
        t.base_year in ({{ base_years | join(', ') }}) as is_configured_base
    from targets as t
    cross join unnest(
        case when t.base_year in ({{ base_years | join(', ') }})
             then [{{ base_years | join(', ') }}] else [t.base_year] end
    ) as b(base_of_year)

),

inventory_totals as (

    select reporting_year, scope, scope2_method, {{ exact_sum('co2e_t') }} as co2e_t
    from inventory
    group by all

),

pro_forma as (

    select * from {{ ref('int_targets__pro_forma_emissions') }}
    where consolidation_approach = '{{ approach }}'

),

scope_original_bases as (

    -- the base as reported, per target scope: fct_baseline's original base (the
    -- locked figure where the base year is locked), or the inventory of the
    -- target's own base year
    select
        ts.target_name,
        ts.scope,
        ts.scope2_method,
        case
            when bool_or(tb.is_configured_base) then any_value(b.original_base_t)
            -- a base year the inventory holds: its figure (0 when the scope has none);
            -- one it does not hold: unknown, never 0 (missing_reason no_base_value)
            when bool_or(t.base_year in (select reporting_year from inventory_totals))
                then coalesce(any_value(i.co2e_t), 0)
        end as original_base_t
    from target_scopes as ts
    inner join targets as t
        on t.target_name = ts.target_name
    inner join target_base_years as tb
        on tb.target_name = ts.target_name
    left join baseline as b
        on b.consolidation_approach = '{{ approach }}'
        and b.scope = ts.scope
        and b.scope2_method is not distinct from ts.scope2_method
    left join inventory_totals as i
        on i.reporting_year = t.base_year
        and i.scope = ts.scope
        and i.scope2_method is not distinct from ts.scope2_method
    where t.target_kind <> 'intensity'
    group by all

),

scope_years as (

    -- per target scope and year: the as-reported pair and the like-for-like pair
    -- (base and actual on the boundary at the end of the year)
    select
        ty.target_name,
        ty.reporting_year,
        ts.scope,
        ts.scope2_method,
        ob.original_base_t,
        coalesce((
            select {{ exact_sum('p.pro_forma_t') }} / count(distinct tb.base_of_year)
            from target_base_years as tb
            left join pro_forma as p
                on p.activity_year = tb.base_of_year
                and p.boundary_year = ty.boundary_year
                and p.scope = ts.scope
                and p.scope2_method is not distinct from ts.scope2_method
            where tb.target_name = ty.target_name
        ), 0) as pro_forma_base_t,
        case when ry.reporting_year is not null then coalesce((
            select any_value(p.pro_forma_t) from pro_forma as p
            where p.activity_year = ty.reporting_year
              and p.boundary_year = ty.reporting_year
              and p.scope = ts.scope
              and p.scope2_method is not distinct from ts.scope2_method
        ), 0) end as pro_forma_actual_t,
        case when ry.reporting_year is not null then coalesce(i.co2e_t, 0) end as reported_actual_t
    from target_years as ty
    inner join target_scopes as ts
        on ts.target_name = ty.target_name
    inner join scope_original_bases as ob
        on ob.target_name = ts.target_name
        and ob.scope = ts.scope
        and ob.scope2_method is not distinct from ts.scope2_method
    left join reported_years as ry
        on ry.reporting_year = ty.reporting_year
    left join inventory_totals as i
        on i.reporting_year = ty.reporting_year
        and i.scope = ts.scope
        and i.scope2_method is not distinct from ts.scope2_method

),

scope_years_decided as (

    -- the recalculation threshold decides per scope (as fct_baseline does): at or
    -- above it, the like-for-like pair; below it, the original base and the
    -- actual as reported
    select
        *,
        case
            when original_base_t = 0 then pro_forma_base_t <> 0
            else round(abs((pro_forma_base_t - original_base_t) / original_base_t * 100), 9)
                 >= {{ var('recalculation_threshold_pct') }}
        end as is_like_for_like
    from scope_years

),

absolute_values as (

    select
        target_name,
        reporting_year,
        sum(case when is_like_for_like then pro_forma_base_t else original_base_t end) as base_value,
        {{ exact_sum('original_base_t') }} as original_base_value,
        case when bool_and(reported_actual_t is not null) then
            sum(case when is_like_for_like then pro_forma_actual_t else reported_actual_t end)
        end as actual,
        case when bool_and(reported_actual_t is not null) then {{ exact_sum('reported_actual_t') }} end
            as reported_actual,
        bool_or(is_like_for_like) as is_base_recalculated
    from scope_years_decided
    group by all

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
            when ry.reporting_year is null then null
            when ty.target_kind <> 'intensity' then av.actual
            when ty.is_intensity_numerator then gi.intensity
        end as actual,
        case
            when ry.reporting_year is null then null
            when ty.target_kind <> 'intensity' then av.reported_actual
            when ty.is_intensity_numerator then gi.intensity
        end as reported_actual,
        case
            when ry.reporting_year is null then 'not_reported'
            when ty.target_kind <> 'intensity' then null
            when not ty.is_intensity_numerator then 'scopes_not_intensity_scopes'
            when gi.target_name is null then 'no_denominator'
            else gi.missing_reason
        end as missing_reason,
        case when ty.target_kind = 'intensity' then gi.intensity_unit else 'tCO2e' end as unit
    from target_years as ty
    left join reported_years as ry
        on ry.reporting_year = ty.reporting_year
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
            when tb.is_configured_base then 'fct_baseline'
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
    left join (select distinct target_name, is_configured_base from target_base_years) as tb
        on tb.target_name = ty.target_name
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
