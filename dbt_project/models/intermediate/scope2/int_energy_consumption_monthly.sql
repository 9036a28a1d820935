-- Metered energy per meter x calendar month (docs/methods.md M-CAL-01, M-CAL-02:
-- fct_emissions grain): the calendarised pieces of the readings summed exactly
-- per meter x month x unit x actual/estimated, before any factor is applied
-- (from int_energy_reading_runs, which holds them summed per run of rows of a
-- file, in DECIMAL: the runs' sum is the pieces' sum). Factors do not change inside
-- a calendar month, so the emissions are those of the readings one by one;
-- the work follows meters x months, not the number of 15-minute readings.
-- `source_record_key` ('energy__meter_readings:<meter> <YYYY-MM> <unit>
-- [estimated]') resolves to every reading it sums through
-- fct_source_row_ranges (file, first and last row, count).
-- Quantities are converted to MWh (electricity, cooling) or GJ (heat, steam).
-- Steam metered in tonnes becomes GJ with a documented enthalpy (var
-- steam_enthalpy_gj_per_t, default 2.69326 = saturated steam at 1.0 MPa,
-- 2,777.0 kJ/kg, minus feed water at 20 °C, 83.74 kJ/kg, as in the Chinese
-- sector guidelines' AD = Ma x (Enst - 83.74) x 10^-3); such rows are
-- flagged is_steam_enthalpy_default.
{% set steam_gj_per_t = var('steam_enthalpy_gj_per_t') %}
with

runs as (

    select * from {{ ref('int_energy_reading_runs') }}

),

meters as (

    select * from {{ ref('stg_energy__meters') }}

),

units as (

    select * from {{ ref('units') }}

),

monthly as (

    select
        meter_id,
        unit,
        is_estimated,
        period_start,
        -- exact: each piece rounded to 10^-12 of the unit, summed in DECIMAL
        cast(sum(piece_quantity) as double) as piece_quantity,
        cast(sum(reading_count) as bigint) as reading_count,
        sum(covered_seconds) as covered_seconds,
        min(first_piece_start_at) as first_piece_start_at,
        max(last_piece_end_at) as last_piece_end_at,
        min(first_reading_start_at) as first_reading_start_at,
        max(last_reading_end_at) as last_reading_end_at
    from runs
    group by meter_id, unit, is_estimated, period_start

),

final as (

    select
        {{ meter_month_key('s.meter_id', 's.period_start', 's.unit', 's.is_estimated') }} as source_record_key,
        s.meter_id,
        m.facility_id,
        m.energy_type,
        m.supply_type,
        s.period_start,
        cast(last_day(s.period_start) as date) as period_end,
        'month' as period_grain,
        strftime(s.period_start, '%Y-%m') as period,
        year(s.period_start) as reporting_year,
        s.reading_count,
        s.covered_seconds,
        s.first_piece_start_at,
        s.last_piece_end_at,
        s.first_reading_start_at,
        s.last_reading_end_at,
        s.piece_quantity,
        s.unit,
        u.dimension as unit_dimension,
        case
            when u.dimension = 'energy' then s.piece_quantity * u.factor_to_canonical
            when m.energy_type = 'steam' and u.dimension = 'mass' then
                s.piece_quantity * u.factor_to_canonical * {{ steam_gj_per_t }}
        end as energy_gj,
        case when u.dimension = 'energy' then s.piece_quantity * u.factor_to_canonical / 3.6 end as energy_mwh,
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
    from monthly as s
    left join meters as m
        on m.meter_id = s.meter_id
    left join units as u
        on u.unit = s.unit

)

select * from final
