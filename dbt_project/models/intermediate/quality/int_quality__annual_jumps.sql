-- Year-on-year plausibility (T/CAS 612 9.1.1 b; issue "Reliability"): each
-- activity series' year compared with the previous year, by the average per
-- reported month (a facility that opened in November is not a jump in its
-- first full year). One row per data stream x subject x activity x unit x
-- year that has a previous year. `jump_factor` is the larger of
-- average / previous average and its inverse (1 = unchanged; 10^6 when one
-- side is zero). The plan's annual_jump check (an error, blocking the reports)
-- flags a factor beyond its max_factor unless carbon.yml acknowledges it
-- (`acknowledged_jumps`: dataset, subject, year, optional activity, reason):
-- 10^7 t of diesel typed for 10^4 t stops the run's reports with a finding
-- naming the facility, the fuel and both years, not a published ∞.
with

series as (

    select * from {{ ref('int_quality__monthly_activity') }}

),

acknowledged as (

    {%- set acks = var('acknowledged_jumps') %}
    {%- if acks %}
    select * from (values
        {%- for a in acks %}
        ({{ "'" ~ a['dataset'] | replace("'", "''") ~ "'" }}, {{ "'" ~ a['subject'] | replace("'", "''") ~ "'" }},
         {{ "'" ~ a['activity'] | replace("'", "''") ~ "'" if a.get('activity') else 'null' }},
         {{ a['year'] | int }}, {{ "'" ~ a['reason'] | replace("'", "''") ~ "'" }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t(dataset_key, subject_id, activity, reporting_year, reason)
    {%- else %}
    select null::varchar as dataset_key, null::varchar as subject_id, null::varchar as activity,
           null::bigint as reporting_year, null::varchar as reason
    where false
    {%- endif %}

),

yearly as (

    select
        dataset_key,
        subject_type,
        subject_id,
        any_value(facility_id) as facility_id,
        activity,
        unit,
        year(period_start) as reporting_year,
        count(*) as months_reported,
        -- exact: the same inputs give the same figure whatever order DuckDB sums them in
        {{ exact_sum('quantity') }} as quantity,
        {{ exact_sum('quantity') }} / count(*) as monthly_average
    from series
    group by dataset_key, subject_type, subject_id, activity, unit, year(period_start)

),

compared as (

    select
        y.*,
        p.quantity as previous_quantity,
        p.months_reported as previous_months_reported,
        p.monthly_average as previous_monthly_average,
        case
            when y.monthly_average = p.monthly_average then 1.0
            when least(y.monthly_average, p.monthly_average) <= 0 then 1e6
            else least(1e6, greatest(y.monthly_average / p.monthly_average,
                                     p.monthly_average / y.monthly_average))
        end as jump_factor
    from yearly as y
    inner join yearly as p
        on p.dataset_key = y.dataset_key
        and p.subject_id = y.subject_id
        and p.activity = y.activity
        and p.unit = y.unit
        and p.reporting_year = y.reporting_year - 1

),

final as (

    select
        c.*,
        cast(c.reporting_year as varchar) as period,
        a.reason as acknowledged_reason,
        a.reason is not null as is_acknowledged
    from compared as c
    left join acknowledged as a
        on a.dataset_key = c.dataset_key
        and a.subject_id = c.subject_id
        and a.reporting_year = c.reporting_year
        and (a.activity is null or a.activity = c.activity)
    -- one row per series-year even when an acknowledgement with and without activity both match
    qualify row_number() over (
        partition by c.dataset_key, c.subject_id, c.activity, c.unit, c.reporting_year
        order by a.activity nulls last
    ) = 1

)

select * from final
