-- Lineage of the rows of fct_emissions that sum many raw rows (meter x month,
-- from int_energy_consumption_monthly): one row
-- per source_record_key x landing file x run of consecutive file rows, so a
-- verifier reaches every raw reading a monthly figure sums ("2,976 readings,
-- energy/meter_readings/EM-F01_2023.parquet, rows 1-2,976") without a row per
-- reading. A reading that spans two months appears in the ranges of both
-- (its piece of each). A quarantined row inside a run splits it in two.
with

pieces as (

    select * from {{ ref('int_energy_reading_pieces') }}

),

islands as (

    select
        source_record_key,
        file_path,
        file_sha256,
        file_row_number,
        -- consecutive rows of the same key in a file share this value
        file_row_number - row_number() over (
            partition by source_record_key, file_path order by file_row_number
        ) as island
    from pieces

),

final as (

    select
        source_record_key,
        'energy__meter_readings' as raw_table,
        file_path,
        any_value(file_sha256) as file_sha256,
        cast(min(file_row_number) as bigint) as first_row_number,
        cast(max(file_row_number) as bigint) as last_row_number,
        cast(count(*) as bigint) as reading_count
    from islands
    group by source_record_key, file_path, island

)

select * from final
