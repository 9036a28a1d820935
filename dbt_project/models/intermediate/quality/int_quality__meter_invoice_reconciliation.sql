-- Meters reconciled to invoices (T/CAS 612 9.1): one row per facility, energy
-- type and calendar month that has both an invoice and metered consumption
-- from the facility's purchased-energy meters (supply grid or third party),
-- in GJ. Months the meters do not fully cover are left out: a gap in the
-- readings is a completeness finding, not a difference. Natural gas meters
-- are checked against fuel records, not invoices, and are not listed here.
with

pieces as (

    select * from {{ ref('int_energy_consumption_monthly') }}

),

invoices as (

    select * from {{ ref('stg_energy__energy_invoices') }}

),

units as (

    select * from {{ ref('units') }}

),

meters as (

    select * from {{ ref('stg_energy__meters') }}

),

purchase_meters as (

    select facility_id, energy_type, count(*) as meter_count
    from meters
    where supply_type in ('grid', 'third_party') and energy_type <> 'natural_gas'
    group by facility_id, energy_type

),

metered as (

    select
        p.facility_id,
        p.energy_type,
        cast(p.period_start as date) as period_start,
        {{ exact_sum('p.energy_gj') }} as metered_gj,
        count(distinct p.meter_id) as meters_read,
        sum(p.covered_seconds) as covered_seconds,
        bool_and(p.calc_status = 'ok') as is_convertible
    from pieces as p
    where p.supply_type in ('grid', 'third_party') and p.energy_type <> 'natural_gas'
    group by p.facility_id, p.energy_type, cast(p.period_start as date)

),

invoiced as (

    select
        i.facility_id,
        i.energy_type,
        i.period_start,
        any_value(i.period) as period,
        {{ exact_sum('i.quantity * u.factor_to_canonical') }} as invoiced_gj,
        count(*) as invoice_lines,
        bool_and(u.dimension = 'energy') as is_convertible
    from invoices as i
    left join units as u
        on u.unit = i.unit
    where i.period_grain = 'month'
    group by i.facility_id, i.energy_type, i.period_start

),

final as (

    select
        'energy/energy_invoices' as dataset_key,
        'facility_energy' as subject_type,
        i.facility_id || ' ' || i.energy_type as subject_id,
        i.facility_id,
        i.energy_type,
        i.period,
        i.period_start,
        'month' as period_grain,
        year(i.period_start) as reporting_year,
        i.invoice_lines,
        i.invoiced_gj,
        m.metered_gj,
        m.metered_gj - i.invoiced_gj as difference_gj,
        case when i.invoiced_gj > 0
            then 100.0 * (m.metered_gj - i.invoiced_gj) / i.invoiced_gj end as difference_pct,
        case when i.invoiced_gj > 0
            then 100.0 * abs(m.metered_gj - i.invoiced_gj) / i.invoiced_gj end as abs_difference_pct
    from invoiced as i
    inner join metered as m
        on m.facility_id = i.facility_id
        and m.energy_type = i.energy_type
        and m.period_start = i.period_start
    inner join purchase_meters as pm
        on pm.facility_id = i.facility_id
        and pm.energy_type = i.energy_type
    where i.is_convertible
      and m.is_convertible
      -- every purchase meter of the facility read for the whole month
      and m.meters_read = pm.meter_count
      and m.covered_seconds
        >= pm.meter_count * (epoch(i.period_start + interval 1 month) - epoch(i.period_start))

)

select * from final
