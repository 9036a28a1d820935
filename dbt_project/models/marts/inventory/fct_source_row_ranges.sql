-- Lineage of the rows of fct_emissions that sum many raw rows (meter x month,
-- from int_energy_consumption_monthly): one row
-- per source_record_key x landing file x run of consecutive file rows, so a
-- verifier reaches every raw reading a monthly figure sums ("2,976 readings,
-- energy/meter_readings/EM-F01_2023.parquet, rows 1-2,976") without a row per
-- reading. A reading that spans two months appears in the ranges of both
-- (its piece of each). A quarantined row inside a run splits it in two.
-- The runs are made in one pass over the readings, with the monthly sums, by
-- int_energy_reading_runs.
with

runs as (

    select * from {{ ref('int_energy_reading_runs') }}

),

final as (

    select
        {{ meter_month_key('meter_id', 'period_start', 'unit', 'is_estimated') }} as source_record_key,
        'energy__meter_readings' as raw_table,
        file_path,
        file_sha256,
        first_row_number,
        last_row_number,
        reading_count
    from runs

)

select * from final
