-- The reporting years of the inventory (docs/methods.md M-PER-01; ISO 14064-1 9.3.1, GHG
-- Protocol ch. 9): the one place that says which years are annual outputs.
-- Grain: one row per reporting year.
--
-- Rule: `reporting_years` in carbon.yml when given; otherwise every calendar
-- year from the first to the last year whose twelve months all have activity
-- data of the group (a month counts when any fuel, meter, energy-invoice or
-- purchase record's period overlaps it). A configured base year outside them
-- is no reporting year (no annual output shows it) but its emissions are
-- kept for the baseline: int_inventory_years.
-- A group without any of those four streams (process or refrigerant records
-- only) takes the periods of its other activity instead.
-- When the data holds no complete year at all (a first month of data, a test
-- folder), the years with activity are the reporting years, so that the
-- warehouse still shows what it has; every such year carries its completeness
-- findings (fct_data_quality). Calendarised pieces of any other year are held
-- with reason `outside_reporting_period` (fct_unestimated_activity).
{% set configured = var('reporting_years') or [] %}
with

fuel as (

    select period_start, period_end from {{ ref('stg_erp__fuel_consumption') }}

),

invoices as (

    select period_start, period_end from {{ ref('stg_energy__energy_invoices') }}

),

meter_months as (

    -- already one piece per calendar month
    select distinct period_start, period_end from {{ ref('int_energy_consumption_monthly') }}

),

purchases as (

    select invoice_date as period_start, invoice_date as period_end
    from {{ ref('stg_procurement__purchases') }}

),

core_periods as (

    select * from fuel
    union all select * from invoices
    union all select * from meter_months
    union all select * from purchases

),

other_periods as (

    -- a group without any fuel, meter, invoice or purchase record (process or
    -- refrigerant data only): the periods of its other activity
    select distinct period_start, period_end from {{ ref('int_emission_lines') }}
    where not exists (select 1 from core_periods)

),

periods as (

    select distinct date_trunc('month', period_start) as first_month, date_trunc('month', period_end) as last_month
    from (select * from core_periods union all select * from other_periods)
    where period_start is not null and period_end is not null and period_end >= period_start

),

activity_months as (

    select distinct cast(m.month as date) as month_start
    from periods as p,
        lateral (select unnest(generate_series(p.first_month, p.last_month, interval 1 month)) as month) as m

),

activity_years as (

    select year(month_start) as reporting_year, count(*) as months_with_activity
    from activity_months
    group by 1

),

complete_span as (

    select min(reporting_year) as first_year, max(reporting_year) as last_year
    from activity_years
    where months_with_activity = 12

),

{% if configured | length > 0 %}
chosen as (

    select unnest([{{ configured | join(', ') }}]) as reporting_year, 'carbon.yml reporting_years' as year_source

),
{% else %}
chosen as (

    -- the span between the first and last complete year, gaps included
    select unnest(generate_series(c.first_year, c.last_year)) as reporting_year,
           'data coverage: complete years' as year_source
    from complete_span as c
    where c.first_year is not null

    union all

    -- no complete year in the data: the years that have any
    select y.reporting_year, 'data coverage: no complete year'
    from activity_years as y
    where not exists (select 1 from complete_span where first_year is not null)

),
{% endif %}

years as (

    select reporting_year, min(year_source) as year_source
    from chosen
    group by reporting_year

),

final as (

    select
        cast(y.reporting_year as integer) as reporting_year,
        y.year_source,
        cast(coalesce(a.months_with_activity, 0) as integer) as months_with_activity,
        coalesce(a.months_with_activity, 0) = 12 as is_complete
    from years as y
    left join activity_years as a
        on a.reporting_year = y.reporting_year

)

select * from final
