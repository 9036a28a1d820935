-- Deviation analysis (T/CAS 612 9.1.1 b): each month of an activity series
-- compared with the previous month (month on month) and with the same month
-- a year earlier (year on year). A factor is the larger of value/reference and
-- reference/value (1 = unchanged, 2 = doubled or halved; capped at 10^6 when
-- one side is zero). `deviation_factor` is the smaller of the two factors, so
-- a month deviates only when it departs from both its neighbour and its
-- season; that keeps a single keying error from also flagging the month after
-- it and the same month of the next year. Without the previous year (the
-- first year of a series) the next month stands in; without either
-- neighbour the one available decides.
with

series as (

    select * from {{ ref('int_quality__monthly_activity') }}

),

compared as (

    select
        s.*,
        pm.quantity as previous_month_quantity,
        py.quantity as previous_year_quantity,
        nm.quantity as next_month_quantity
    from series as s
    left join series as pm
        on pm.dataset_key = s.dataset_key and pm.subject_id = s.subject_id
        and pm.activity = s.activity and pm.unit = s.unit
        and pm.period_start = s.period_start - interval 1 month
    left join series as py
        on py.dataset_key = s.dataset_key and py.subject_id = s.subject_id
        and py.activity = s.activity and py.unit = s.unit
        and py.period_start = s.period_start - interval 12 month
    left join series as nm
        on nm.dataset_key = s.dataset_key and nm.subject_id = s.subject_id
        and nm.activity = s.activity and nm.unit = s.unit
        and nm.period_start = s.period_start + interval 1 month

),

factors as (

    select
        *,
        {%- for reference, name in [
            ('previous_month_quantity', 'month_on_month_factor'),
            ('previous_year_quantity', 'year_on_year_factor'),
            ('next_month_quantity', 'next_month_factor'),
        ] %}
        case
            when quantity is null or {{ reference }} is null then null
            when quantity = {{ reference }} then 1.0
            when least(quantity, {{ reference }}) <= 0 then 1e6
            else least(1e6, greatest(quantity / {{ reference }}, {{ reference }} / quantity))
        end as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from compared

),

final as (

    select
        *,
        case
            when month_on_month_factor is not null and year_on_year_factor is not null
                then least(month_on_month_factor, year_on_year_factor)
            when month_on_month_factor is not null or year_on_year_factor is not null
                then least(
                    coalesce(month_on_month_factor, year_on_year_factor),
                    coalesce(next_month_factor, month_on_month_factor, year_on_year_factor))
            else next_month_factor
        end as deviation_factor
    from factors

)

select * from final
