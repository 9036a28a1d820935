-- The interval readings in one pass (docs/methods.md M-CAL-01): their calendarised
-- pieces (int_energy_reading_pieces) summed per run of consecutive rows of one
-- landing file for one meter x calendar month x unit x actual/estimated. Both
-- readers are small sums of this table: int_energy_consumption_monthly (the
-- runs of a meter x month summed again; the quantity stays DECIMAL here, so the
-- sum is exactly that of the pieces) and marts.fct_source_row_ranges (the runs
-- themselves: a verifier's way from a monthly figure to every raw reading).
-- A run depends on the rows of its own file only, so the table is incremental
-- by landing file: a build reads only the files the extraction (re)loaded since
-- the last build (stg_ingest__files.loaded_at), and the files that changed or left
-- the landing folder lose their old runs (post-hook). Rows that no extraction
-- recorded (written into raw by hand) are read by a full build only
-- (`dbt build --full-refresh`). When the code that makes
-- the runs changes (this model or a model above it, macro lineage_fingerprint)
-- every file is read again. One more month of readings reads that month only.
{% set fingerprint = lineage_fingerprint() %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    post_hook=[
        "delete from {{ this }} as r
         where r.transform_fingerprint <> '{{ lineage_fingerprint() }}'
            -- the file was loaded again since (changed, re-validated, now a duplicate)
            or exists (
                select 1 from {{ ref('stg_ingest__files') }} as f
                where f.dataset_key = 'energy/meter_readings' and f.file_path = r.file_path
                  and f.loaded_at is distinct from r.file_loaded_at)
            -- the file left the landing folder
            or (r.file_loaded_at is not null and not exists (
                select 1 from {{ ref('stg_ingest__files') }} as f
                where f.dataset_key = 'energy/meter_readings' and f.file_path = r.file_path))"
    ]
) }}
{# a run belongs to one meter x month x unit x actual/estimated row and one file #}
{% set run_of = 'meter_id, period_start, unit, is_estimated, file_path' %}
{% set run_measures -%}
any_value(file_sha256) as file_sha256,
        min(file_row_number) as first_row_number,
        max(file_row_number) as last_row_number,
        count(*) as reading_count,
        sum(cast(piece_quantity as decimal(38, 12))) as piece_quantity,
        sum(piece_seconds) as covered_seconds,
        min(piece_start_at) as first_piece_start_at,
        max(piece_end_at) as last_piece_end_at,
        min(reading_start_at) as first_reading_start_at,
        max(reading_end_at) as last_reading_end_at
{%- endset %}
with

-- the files' load times (ingest.files), carried on each run
files as (

    select f.file_path, f.loaded_at
    from {{ ref('stg_ingest__files') }} as f
    where f.dataset_key = 'energy/meter_readings'

),

-- Incremental: the files loaded since their runs were made (or made by other
-- code), named in a literal list so that DuckDB filters the raw table's scans
-- with it (a join would read every reading first).
{% set batch = none %}
{% if execute and is_incremental() %}
    {% set batch_query %}
        select f.file_path, count(*) over () as batch_files,
               (select count(*) from {{ ref('stg_ingest__files') }}
                where dataset_key = 'energy/meter_readings' and file_status = 'loaded') as all_files
        from {{ ref('stg_ingest__files') }} as f
        where f.dataset_key = 'energy/meter_readings'
          and f.file_status = 'loaded'  -- a duplicate or unreadable file has no rows to read
          and not exists (
              select 1 from {{ this }} as r
              where r.file_path = f.file_path
                and r.file_loaded_at is not distinct from f.loaded_at
                and r.transform_fingerprint = '{{ fingerprint }}'
          )
        order by f.file_path
    {% endset %}
    {% set batch = run_query(batch_query).rows %}
{% endif %}
-- read twice (spans, islands): DuckDB streams the readings twice (the second
-- time only the broken keys' rows pass the semi join) instead of holding every
-- piece (10 M rows at scale M) in memory
pieces as not materialized (

    select p.*
    from {{ ref('int_energy_reading_pieces') }} as p
    {% if batch is not none and batch | length == 0 %}
    where false  -- no file is new or changed
    {% elif batch is not none and batch[0][1] < batch[0][2] %}
    where p.file_path in (
        {%- for row in batch %}'{{ row[0] | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
    )
    {% endif %}

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
        p.*,
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

    select *
    from spans
    where reading_count = last_row_number - first_row_number + 1

    union all by name

    select
        {{ run_of }},
        {{ run_measures }}
    from islands
    group by {{ run_of }}, island

),

final as (

    select
        r.meter_id,
        r.period_start,
        r.unit,
        r.is_estimated,
        r.file_path,
        r.file_sha256,
        cast(r.first_row_number as bigint) as first_row_number,
        cast(r.last_row_number as bigint) as last_row_number,
        cast(r.reading_count as bigint) as reading_count,
        r.piece_quantity,
        r.covered_seconds,
        r.first_piece_start_at,
        r.last_piece_end_at,
        r.first_reading_start_at,
        r.last_reading_end_at,
        f.loaded_at as file_loaded_at,
        '{{ fingerprint }}' as transform_fingerprint
    from runs as r
    left join files as f
        on f.file_path = r.file_path

)

select * from final
