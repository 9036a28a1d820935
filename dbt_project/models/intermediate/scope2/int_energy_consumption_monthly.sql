-- Meter readings calendarised to months (METHODS.md 3): a reading whose
-- interval spans months is split pro rata by time, so a Dec 26 - Jan 25
-- reading puts 6/30 of its quantity in December and 24/30 in January.
-- Quantities are converted to MWh (electricity, cooling) or GJ (heat, steam).
-- Steam metered in tonnes becomes GJ with a documented enthalpy (var
-- steam_enthalpy_gj_per_t, default 2.69326 = saturated steam at 1.0 MPa,
-- 2,777.0 kJ/kg, minus feed water at 20 °C, 83.74 kJ/kg, as in the Chinese
-- sector guidelines' AD = Ma x (Enst - 83.74) x 10^-3); such rows are
-- flagged is_steam_enthalpy_default.
-- One row per reading x calendar month it overlaps.
{% set steam_gj_per_t = var('steam_enthalpy_gj_per_t', 2.69326) %}
with

readings as (

    select * from {{ ref('stg_energy__meter_readings') }}

),

meters as (

    select * from {{ ref('stg_energy__meters') }}

),

units as (

    select * from {{ ref('units') }}

),

pieces as (

    select
        r.*,
        unnest(generate_series(
            date_trunc('month', r.reading_start_at),
            date_trunc('month', r.reading_end_at - interval 1 microsecond),
            interval 1 month
        )) as month_start_at
    from readings as r
    where r.reading_end_at > r.reading_start_at

),

split as (

    select
        *,
        greatest(reading_start_at, month_start_at) as piece_start_at,
        least(reading_end_at, month_start_at + interval 1 month) as piece_end_at
    from pieces

),

final as (

    select
        s.source_record_key,
        s.meter_id,
        m.facility_id,
        m.energy_type,
        m.supply_type,
        s.reading_start_at,
        s.reading_end_at,
        s.piece_start_at,
        s.piece_end_at,
        cast(s.month_start_at as date) as period_start,
        cast(last_day(s.month_start_at) as date) as period_end,
        'month' as period_grain,
        strftime(s.month_start_at, '%Y-%m') as period,
        year(s.month_start_at) as reporting_year,
        (epoch(s.piece_end_at) - epoch(s.piece_start_at)) / s.interval_seconds as time_fraction,
        s.quantity,
        s.unit,
        s.quantity * (epoch(s.piece_end_at) - epoch(s.piece_start_at)) / s.interval_seconds as piece_quantity,
        u.dimension as unit_dimension,
        case
            when u.dimension = 'energy' then
                s.quantity * (epoch(s.piece_end_at) - epoch(s.piece_start_at)) / s.interval_seconds
                * u.factor_to_canonical
            when m.energy_type = 'steam' and u.dimension = 'mass' then
                s.quantity * (epoch(s.piece_end_at) - epoch(s.piece_start_at)) / s.interval_seconds
                * u.factor_to_canonical * {{ steam_gj_per_t }}
        end as energy_gj,
        case when u.dimension = 'energy' then
            s.quantity * (epoch(s.piece_end_at) - epoch(s.piece_start_at)) / s.interval_seconds
            * u.factor_to_canonical / 3.6
        end as energy_mwh,
        (m.energy_type = 'steam' and u.dimension = 'mass') as is_steam_enthalpy_default,
        s.is_estimated,
        case
            when m.meter_id is null then 'unknown_meter'
            when u.dimension is null then 'unknown_unit'
            when m.energy_type = 'steam' and u.dimension = 'mass' then 'ok'
            when m.energy_type in ('electricity', 'heat', 'steam', 'cooling') and u.dimension <> 'energy'
                then 'unit_not_convertible'
            else 'ok'
        end as calc_status
    from split as s
    left join meters as m
        on m.meter_id = s.meter_id
    left join units as u
        on u.unit = s.unit

)

select * from final
