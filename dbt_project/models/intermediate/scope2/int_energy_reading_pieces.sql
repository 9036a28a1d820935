-- Meter readings calendarised (docs/methods.md M-CAL-01): a reading whose interval spans
-- months is split pro rata by time, so a Dec 26 - Jan 25 reading puts 6/30 of
-- its quantity in December and 24/30 in January. One row per reading x
-- calendar month it overlaps, in the unit as read. A view: at scale the
-- readings are tens of millions of rows, and everything downstream works on
-- their meter x month sums (int_energy_consumption_monthly) or their row ranges
-- (marts.fct_source_row_ranges), so the pieces are never stored.
with

-- Almost every interval reading lies inside one month: it is its own piece.
-- Only readings that cross a month boundary are expanded, one row per month.
-- Each branch reads the readings itself (no shared CTE: DuckDB would hold 10 M
-- timed rows in memory to share them), so a filter on file_path from a reader
-- (int_energy_reading_runs, incremental) reaches both scans of the raw table.
pieces as (

    select
        r.*,
        date_trunc('month', r.reading_start_at) as month_start_at
    from {{ ref('stg_energy__meter_readings') }} as r
    where r.reading_end_at > r.reading_start_at
      and date_trunc('month', r.reading_start_at)
          = date_trunc('month', r.reading_end_at - interval 1 microsecond)

    union all

    select
        r.*,
        unnest(generate_series(
            date_trunc('month', r.reading_start_at),
            date_trunc('month', r.reading_end_at - interval 1 microsecond),
            interval 1 month
        )) as month_start_at
    from {{ ref('stg_energy__meter_readings') }} as r
    where r.reading_end_at > r.reading_start_at
      and date_trunc('month', r.reading_start_at)
          <> date_trunc('month', r.reading_end_at - interval 1 microsecond)

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
        -- the piece is summed into the meter x month x unit x actual/estimated row
        -- (macro meter_month_key names it, after the group-by)
        source_record_key as reading_record_key,
        file_path,
        file_row_number,
        file_sha256,
        meter_id,
        unit,
        is_estimated,
        cast(month_start_at as date) as period_start,
        reading_start_at,
        reading_end_at,
        piece_start_at,
        piece_end_at,
        epoch(piece_end_at) - epoch(piece_start_at) as piece_seconds,
        quantity,
        quantity * (epoch(piece_end_at) - epoch(piece_start_at)) / interval_seconds as piece_quantity
    from split

)

select * from final
