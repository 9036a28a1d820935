-- The years whose emissions the warehouse computes (fct_emissions): the
-- reporting years (int_reporting_years, docs/methods.md M-PER-01) and the base years of
-- carbon.yml (the baseline's and each target's, docs/methods.md M-BASE-01 and M-TGT-01) that have
-- activity, because a base cannot be recalculated from a year the warehouse
-- does not hold. A base year outside the reporting years appears in no annual
-- output (rpt_*, fct_inventory, finance marts, reports, KPI workbooks filter
-- with the macro in_reporting_years); it serves fct_baseline and
-- fct_target_progress only. Pieces of any other year are held
-- (fct_unestimated_activity, reason outside_reporting_period).
-- Grain: one row per year.
-- Read whatever the configuration (below, only when there are base years), so that what dbt parses
-- does not depend on it (pipelines/lib/dbt_launcher.py PARSE_VARS):
-- depends_on: {{ ref('int_emission_lines') }}
{% set base_years = (var('base_years') or []) | list %}
{% for target in var('targets') or [] %}
    {% if target.get('base_year') %}{% do base_years.append(target['base_year']) %}{% endif %}
{% endfor %}
with

reporting_years as (

    select reporting_year from {{ ref('int_reporting_years') }}

),

base_years_with_activity as (

    {% if base_years | length > 0 %}
    select distinct cast(reporting_year as integer) as reporting_year
    from {{ ref('int_emission_lines') }}
    where reporting_year in ({{ base_years | unique | join(', ') }})
    {% else %}
    select null::integer as reporting_year where false
    {% endif %}

),

final as (

    select
        y.reporting_year,
        bool_or(y.is_reporting_year) as is_reporting_year
    from (
        select reporting_year, true as is_reporting_year from reporting_years
        union all
        select reporting_year, false from base_years_with_activity
    ) as y
    group by y.reporting_year

)

select * from final
