-- Intensity outliers (T/CAS 612 9.1.1 b, 6.4): each month's activity per unit
-- of the facility's production in the same month, against the median of that
-- intensity over all months of the series. `intensity_factor` is the larger
-- of intensity/median and median/intensity (1 = typical). Production in
-- different units (t, pcs) gives separate series; months without production
-- are not judged, nor is on-site renewable generation (it follows the
-- weather, not production).
with

activity as (

    select * from {{ ref('int_quality__monthly_activity') }}
    where dataset_key <> 'erp/production' and not is_generation

),

production as (

    select
        facility_id,
        unit as production_unit,
        period_start,
        {{ exact_sum('quantity') }} as production_quantity
    from {{ ref('int_quality__monthly_activity') }}
    where dataset_key = 'erp/production'
    group by facility_id, unit, period_start

),

intensities as (

    select
        a.*,
        p.production_unit,
        p.production_quantity,
        a.quantity / p.production_quantity as intensity
    from activity as a
    inner join production as p
        on p.facility_id = a.facility_id
        and p.period_start = a.period_start
    where p.production_quantity > 0

),

medians as (

    select
        *,
        median(intensity) over (
            partition by dataset_key, subject_id, activity, unit, production_unit
        ) as median_intensity
    from intensities

),

final as (

    select
        *,
        case
            when intensity = median_intensity then 1.0
            when least(intensity, median_intensity) <= 0 then 1e6
            else least(1e6, greatest(intensity / median_intensity, median_intensity / intensity))
        end as intensity_factor
    from medians

)

select * from final
