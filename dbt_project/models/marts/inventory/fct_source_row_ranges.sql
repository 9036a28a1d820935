-- Lineage of the rows of fct_emissions that sum many raw rows (meter x month,
-- from int_energy_consumption_monthly): one row
-- per source_record_key x landing file x run of consecutive file rows, so a
-- verifier reaches every raw reading a monthly figure sums ("2,976 readings,
-- energy/meter_readings/EM-F01_2023.parquet, rows 1-2,976") without a row per
-- reading. A reading that spans two months appears in the ranges of both
-- (its piece of each). A quarantined row inside a run splits it in two.
{# a run belongs to one meter x month x unit x actual/estimated row and one file #}
{% set run_of = 'meter_id, period_start, unit, is_estimated, file_path' %}
{% set run_measures -%}
any_value(file_sha256) as file_sha256,
        min(file_row_number) as first_row_number,
        max(file_row_number) as last_row_number,
        count(*) as reading_count
{%- endset %}
with

-- read twice (spans, islands): not materialized, so DuckDB streams the readings
-- twice (the second time only the broken keys' rows pass the semi join) instead
-- of holding every piece (10 M rows at scale M) in memory
pieces as not materialized (

    select * from {{ ref('int_energy_reading_pieces') }}

),

-- a key's rows in a file: usually one run (the count fills min..max)
spans as (

    select
        {{ run_of }},
        {{ run_measures }}
    from pieces
    group by {{ run_of }}

),

-- the others (rows of other meters or months in between, a quarantined row)
-- are cut into runs: consecutive rows of the key share `island`
islands as (

    select
        p.meter_id,
        p.period_start,
        p.unit,
        p.is_estimated,
        p.file_path,
        p.file_sha256,
        p.file_row_number,
        p.file_row_number - row_number() over (
            partition by p.meter_id, p.period_start, p.unit, p.is_estimated, p.file_path
            order by p.file_row_number
        ) as island
    from pieces as p
    semi join (
        select {{ run_of }} from spans
        where reading_count <> last_row_number - first_row_number + 1
    ) as broken
        on broken.meter_id is not distinct from p.meter_id
        and broken.period_start = p.period_start
        and broken.unit is not distinct from p.unit
        and broken.is_estimated = p.is_estimated
        and broken.file_path = p.file_path

),

runs as (

    select {{ run_of }}, file_sha256, first_row_number, last_row_number, reading_count
    from spans
    where reading_count = last_row_number - first_row_number + 1

    union all

    select
        {{ run_of }},
        {{ run_measures }}
    from islands
    group by {{ run_of }}, island

),

final as (

    select
        {{ meter_month_key('meter_id', 'period_start', 'unit', 'is_estimated') }} as source_record_key,
        'energy__meter_readings' as raw_table,
        file_path,
        file_sha256,
        cast(first_row_number as bigint) as first_row_number,
        cast(last_row_number as bigint) as last_row_number,
        cast(reading_count as bigint) as reading_count
    from runs

)

select * from final
