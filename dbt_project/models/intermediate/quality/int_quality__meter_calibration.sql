-- Meter calibration on the reading date (T/CAS 612 9.1.3): one row per meter
-- and calendar month with readings. The register keeps the last calibration
-- and the interval, so a reading is judged against the due date that follows
-- the last calibration: readings taken before the last calibration are
-- assumed to have been covered by the previous one. `days_overdue` is how far
-- past the due date the month's readings reach (0 = current; null = the
-- register does not say when the meter was calibrated).
with

pieces as (

    select * from {{ ref('int_energy_consumption_monthly') }}

),

meters as (

    select * from {{ ref('stg_energy__meters') }}

),

monthly as (

    select
        meter_id,
        cast(period_start as date) as period_start,
        any_value(period) as period,
        any_value(reporting_year) as reporting_year,
        sum(reading_count) as records,
        min(first_piece_start_at) as first_reading_at,
        max(last_piece_end_at) as last_reading_at
    from pieces
    where meter_id is not null
    group by meter_id, period_start

),

final as (

    select
        'energy/meters' as dataset_key,
        'meter' as subject_type,
        mo.meter_id as subject_id,
        m.facility_id,
        mo.period,
        mo.period_start,
        'month' as period_grain,
        mo.reporting_year,
        mo.records,
        mo.first_reading_at,
        mo.last_reading_at,
        m.last_calibrated_date,
        m.calibration_interval_months,
        m.calibration_due_date,
        case
            when m.calibration_due_date is null then null
            when mo.last_reading_at > m.calibration_due_date
                then datediff('day', m.calibration_due_date, mo.last_reading_at)
            else 0
        end as days_overdue,
        -- the register row that states the calibration
        m.source_record_key
    from monthly as mo
    inner join meters as m
        on m.meter_id = mo.meter_id

)

select * from final
