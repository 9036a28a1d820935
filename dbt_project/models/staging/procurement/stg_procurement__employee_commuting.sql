with

source as (

    select * from {{ source('procurement', 'employee_commuting') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('entity_id') }} as entity_id,

        -- survey year
        year as reporting_year,

        -- survey answers (average-data method, docs/methods.md M-S3-03, category 7)
        employees as employee_count,
        working_days,
        trips_per_day,
        {{ normalize_code('mode') }} as commute_mode,
        mode_share_pct,
        one_way_km,

        -- lineage
        {{ lineage_columns('procurement__employee_commuting') }}

    from source

)

select * from renamed
