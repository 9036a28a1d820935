-- The targets of carbon.yml (var targets) and the neutrality vision (var
-- neutrality, kind 'neutrality': 100 % of its scopes by neutrality.year), one
-- row per target x year (docs/methods.md M-TGT-01; T/CAS 612 6.6), the rows of
-- fct_target_progress: from the target's base year through the later of its
-- target year and the last reporting year (int_reporting_years).
--   boundary_year      the boundary the year is judged on (docs/methods.md
--                      M-TGT-02): its own end of year; a year after the last
--                      reporting year (or a gap) takes the last boundary before it
--   is_reported        a reporting year with an inventory (the years of
--                      rpt_group_inventory, int_targets__inventory_totals):
--                      other years have actual null ('not_reported')
--   is_configured_base the target's base year is one of var('base_years'): its
--                      base is fct_baseline's (averaged over those years)
--   is_intensity_numerator the target's scopes are var('intensity_scopes')
-- A table: the absolute values and fct_target_progress read it.
{% set base_years = var('base_years') %}
{% set neutrality = var('neutrality') or {} %}
{#- called whether or not there is a neutrality year, so that what dbt parses does not depend on the
    configuration (pipelines/lib/dbt_launcher.py PARSE_VARS) -#}
{% set neutrality_scope_list = neutrality_scopes(neutrality) %}
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
        'scopes': neutrality_scope_list,
        'denominator': none,
        'base_year': base_years | min | int,
        'target_year': neutrality['year'] | int,
        'reduction_pct': 100.0,
    }) %}
{% endif %}
with

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

reporting_years as (

    select reporting_year from {{ ref('int_reporting_years') }}

),

reported_years as (

    -- the reporting years (int_reporting_years, docs/methods.md M-PER-01) that have an
    -- inventory; other years - and a reporting year without any inventory row,
    -- e.g. inside the span of complete years - have actual null
    -- (missing_reason 'not_reported'), never a zero
    select reporting_year from reporting_years
    where reporting_year in (select reporting_year from {{ ref('int_targets__inventory_totals') }})

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
        )::bigint as boundary_year,
        -- a reporting year with an inventory: judged; any other year: actual null
        y.reporting_year in (select reporting_year from reported_years) as is_reported,
        t.base_year in ({{ base_years | join(', ') }}) as is_configured_base
    from targets as t
    cross join (select coalesce(max(reporting_year), 0) as last_year from reporting_years) as r
    cross join unnest(range(t.base_year, greatest(t.target_year, r.last_year) + 1)) as y(reporting_year)

)

select * from target_years
