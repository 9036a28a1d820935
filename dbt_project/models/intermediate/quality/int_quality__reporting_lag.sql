-- Timeliness measure (T/CAS 612 6.8, 9.1): per data stream and reporting
-- subject, the last period it reported and how many periods it lags behind
-- the stream's latest period in the group (the reporting horizon). A subject
-- that left the boundary or closed is expected only up to then. A registered
-- meter without any reading lags by the whole horizon. Subjects outside the
-- boundary are not listed.
with

periods as (

    select * from {{ ref('int_quality__reporting_periods') }}

),

meters as (

    select * from {{ ref('stg_energy__meters') }}

),

subjects as (

    select * from {{ ref('int_quality__subjects_in_boundary') }}

),

reported as (

    select
        dataset_key,
        subject_type,
        subject_id,
        any_value(facility_id) as facility_id,
        any_value(entity_id) as entity_id,
        any_value(period_grain) as period_grain,
        max(period_start) filter (where records > 0) as last_period_start
    from periods
    group by dataset_key, subject_type, subject_id

),

silent_meters as (

    select
        'energy/meter_readings' as dataset_key,
        'meter' as subject_type,
        m.meter_id as subject_id,
        m.facility_id,
        s.entity_id,
        'month' as period_grain,
        null::date as last_period_start
    from meters as m
    left join subjects as s
        on s.subject_key = 'facility:' || m.facility_id
    where m.meter_id not in (select subject_id from reported where dataset_key = 'energy/meter_readings')

),

all_subjects as (

    select * from reported
    union all by name
    select * from silent_meters

),

horizons as (

    select
        dataset_key,
        min(period_start) as first_period_start,
        max(period_start) filter (where records > 0) as horizon_period_start
    from periods
    group by dataset_key

),

lag as (

    select
        a.*,
        h.first_period_start,
        h.horizon_period_start,
        -- the last period the subject had to report: the horizon, or when it left
        case
            when b.last_month is null then h.horizon_period_start
            when a.period_grain = 'year' then least(h.horizon_period_start, date_trunc('year', b.last_month))
            else least(h.horizon_period_start, b.last_month)
        end as expected_until_period_start,
        b.is_in_boundary
    from all_subjects as a
    inner join horizons as h
        on h.dataset_key = a.dataset_key
    left join subjects as b
        on b.subject_key = case a.subject_type
            when 'entity' then 'entity:' || a.subject_id
            else 'facility:' || a.facility_id
        end

),

months as (

    select
        *,
        year(expected_until_period_start) * 12 + month(expected_until_period_start) as until_month_number,
        -- a subject that never reported counts from the period before the stream's first
        coalesce(last_period_start, cast(first_period_start - case period_grain
            when 'year' then interval 12 month else interval 1 month end as date)) as counted_from
    from lag
    where is_in_boundary

),

numbered as (

    select
        *,
        year(counted_from) * 12 + month(counted_from) as last_month_number
    from months

),

final as (

    select
        dataset_key,
        subject_type,
        subject_id,
        facility_id,
        entity_id,
        period_grain,
        last_period_start,
        cast(expected_until_period_start as date) as expected_until_period_start,
        horizon_period_start,
        case period_grain when 'year' then strftime(expected_until_period_start, '%Y')
            else strftime(expected_until_period_start, '%Y-%m') end as period,
        year(expected_until_period_start) as reporting_year,
        -- whole periods between the last report and the last period due
        greatest(0, case period_grain
            when 'year' then (until_month_number - last_month_number) // 12
            else until_month_number - last_month_number
        end) as periods_behind
    from numbered

)

select * from final
