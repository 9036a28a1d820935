-- Scope 3 completeness (docs/methods.md M-S3-06; ISO 14064-1 5.2.3; GHG Protocol Scope 3
-- Standard ch. 6): reporting year x approach x category 1-15, every category
-- listed. A category with emission rows is 'estimated'; one without numbers is
-- 'excluded' with the justification of carbon.yml scope3_exclusions
-- (relevance, magnitude, data), or 'not_assessed' - never silently absent.
-- Activity that reached a category but could not be estimated is counted
-- (unestimated_records, fct_scope3_unestimated), so "no numbers" is never
-- confused with "nothing there".
{% set exclusions = var('scope3_exclusions') or {} %}
with

emissions as (

    select * from {{ ref('fct_emissions') }}
    where scope = '3'

),

unestimated as (

    select reporting_year, scope3_category, count(*) as unestimated_records
    from {{ ref('fct_scope3_unestimated') }}
    group by all

),

years as (

    select reporting_year from {{ ref('int_reporting_years') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

categories as (

    select unnest(range(1, 16)) as scope3_category

),

exclusions as (

    {% if exclusions | length > 0 %}
    select scope3_category, reason
    from (values
        {%- for category, reason in exclusions.items() %}
        ({{ category | int }}, '{{ reason | replace("'", "''") }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as e(scope3_category, reason)
    {% else %}
    select null::integer as scope3_category, null::varchar as reason where false
    {% endif %}

),

category_totals as (

    select
        e.reporting_year,
        a.consolidation_approach,
        e.scope3_category,
        {{ exact_sum("e.co2e_t * case a.consolidation_approach
            when 'equity_share' then e.weight_equity_share
            when 'operational_control' then e.weight_operational_control
            else e.weight_financial_control end") }} as co2e_t,
        count(*) as emission_rows
    from emissions as e
    cross join approaches as a
    group by all

),

final as (

    select
        cast(y.reporting_year as bigint) as reporting_year,
        a.consolidation_approach,
        cast(c.scope3_category as integer) as scope3_category,
        coalesce(t.co2e_t, 0.0) as co2e_t,
        cast(coalesce(t.emission_rows, 0) as bigint) as emission_rows,
        cast(coalesce(u.unestimated_records, 0) as bigint) as unestimated_records,
        case
            when coalesce(t.emission_rows, 0) > 0 then 'estimated'
            when x.reason is not null then 'excluded'
            else 'not_assessed'
        end as completeness_status,
        case
            when coalesce(t.emission_rows, 0) > 0 then null
            when x.reason is not null then x.reason
            when coalesce(u.unestimated_records, 0) > 0
                then 'not assessed: ' || u.unestimated_records || ' record(s) reached the category but no method could estimate them (fct_scope3_unestimated)'
            else 'not assessed: no activity data and no justification in carbon.yml scope3_exclusions'
        end as exclusion_reason,
        x.reason is not null and coalesce(t.emission_rows, 0) > 0 as is_excluded_but_estimated
    from years as y
    cross join approaches as a
    cross join categories as c
    left join category_totals as t
        on t.reporting_year = y.reporting_year
        and t.consolidation_approach = a.consolidation_approach
        and t.scope3_category = c.scope3_category
    left join unestimated as u
        on u.reporting_year = y.reporting_year
        and u.scope3_category = c.scope3_category
    left join exclusions as x
        on x.scope3_category = c.scope3_category

)

select * from final
