-- Progress to target (METHODS.md 8; T/CAS 612 6.6): target x year, for every
-- target of carbon.yml (var targets) and the neutrality vision (var
-- neutrality, kind 'neutrality': 100 % of its scopes by neutrality.year).
--   target_value = base_value x (1 - reduction_pct / 100)
--   trajectory   = base_value + (target_value - base_value)
--                  x (year - base_year) / (target_year - base_year),
--                  target_value from the target year on (linear, METHODS.md 8)
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
-- Rows run from the base year through the later of the target year and the
-- latest reported year. A reported year is one the inventory covers from
-- January through December (fct_emissions periods); other years have actual
-- null (missing_reason 'not_reported'), so a partial year is never judged.
{% set approach = var('consolidation', 'operational_control') %}
{% set base_years = var('base_years', [2021]) %}
{% set neutrality = var('neutrality', {}) or {} %}
{% set intensity_scopes = var('intensity_scopes', ['1', '2-location']) | map('string') | sort | list %}
{% set rows = [] %}
{% for t in var('targets', []) or [] %}
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
        'scopes': neutrality.get('scopes', ['1', '2-market']) | map('string') | list,
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

emissions as (

    select * from {{ ref('fct_emissions') }}

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
        case when label.scope_label like '2-%' then '2' else label.scope_label end as scope,
        case label.scope_label
            when '2-location' then 'location'
            when '2-market' then 'market'
        end as scope2_method
    from targets as t
    cross join unnest(string_split(t.scopes, ',')) as label(scope_label)

),

reported_years as (

    -- years the inventory covers from January through December; a year with
    -- only the tail of a reading that crosses New Year (or a year in progress)
    -- is not judged against an annual target
    select reporting_year
    from emissions
    where scope <> 'biogenic'
    group by reporting_year
    having min(period_start) <= make_date(reporting_year::integer, 1, 31)
       and max(period_end) >= make_date(reporting_year::integer, 12, 1)

),

target_years as (

    select
        t.*,
        y.reporting_year::bigint as reporting_year
    from targets as t
    cross join (select coalesce(max(reporting_year), 0) as last_year from reported_years) as r
    cross join unnest(range(t.base_year, greatest(t.target_year, r.last_year) + 1)) as y(reporting_year)

),

scope_emissions as (

    -- the target's scopes in each reported year (0 when none of them has rows)
    select
        ts.target_name,
        ry.reporting_year,
        {{ exact_sum('coalesce(i.co2e_t, 0)') }} as emissions_t
    from target_scopes as ts
    cross join reported_years as ry
    left join inventory as i
        on i.reporting_year = ry.reporting_year
        and i.scope = ts.scope
        and i.scope2_method is not distinct from ts.scope2_method
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
            when ty.target_kind <> 'intensity' then e.emissions_t
            when ty.is_intensity_numerator then gi.intensity
        end as actual,
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
    left join scope_emissions as e
        on e.target_name = ty.target_name
        and e.reporting_year = ty.reporting_year
    left join group_intensities as gi
        on gi.target_name = ty.target_name
        and gi.reporting_year = ty.reporting_year
        and gi.preference = 1

),

baseline_bases as (

    -- the applied base of fct_baseline, for targets based on the configured base year
    select
        t.target_name,
        {{ exact_sum('b.applied_base_t') }} as base_value,
        bool_or(b.is_recalculated) as is_base_recalculated,
        count(*) as baseline_rows
    from targets as t
    inner join target_scopes as ts
        on ts.target_name = t.target_name
    inner join baseline as b
        on b.consolidation_approach = '{{ approach }}'
        and b.scope = ts.scope
        and b.scope2_method is not distinct from ts.scope2_method
        and list_contains(string_split(b.base_years, ','), t.base_year::varchar)
    where t.target_kind <> 'intensity'
    group by all

),

bases as (

    select
        t.target_name,
        case
            when bb.target_name is not null then bb.base_value
            else a.actual
        end as base_value,
        case
            when bb.target_name is not null then 'fct_baseline'
            when t.target_kind = 'intensity' then 'fct_intensity'
            else 'rpt_group_inventory'
        end as base_source,
        coalesce(bb.is_base_recalculated, false) as is_base_recalculated,
        a.unit as base_unit
    from targets as t
    left join baseline_bases as bb
        on bb.target_name = t.target_name
    left join actuals as a
        on a.target_name = t.target_name
        and a.reporting_year = t.base_year

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
        b.base_value,
        b.base_source,
        b.is_base_recalculated,
        b.base_value * (1 - ty.reduction_pct / 100) as target_value,
        a.actual,
        coalesce(a.unit, b.base_unit) as unit,
        case
            when b.base_value is null then 'no_base_value'
            else a.missing_reason
        end as missing_reason
    from target_years as ty
    left join bases as b
        on b.target_name = ty.target_name
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
        base_source,
        is_base_recalculated,
        target_value,
        case
            when reporting_year >= target_year then target_value
            else base_value + (target_value - base_value)
                 * (reporting_year - base_year)::double / (target_year - base_year)
        end as trajectory,
        actual,
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
        '{{ var("gwp_set", "AR6") }}' as gwp_set
    from valued

)

select * from final
