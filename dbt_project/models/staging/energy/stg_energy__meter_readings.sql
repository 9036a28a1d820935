with

source as (

    select * from {{ source('energy', 'meter_readings') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('meter_id') }} as meter_id,

        -- the interval [reading_start_at, reading_end_at); a reading that spans
        -- months is split pro rata by time in intermediate, not here
        reading_start as reading_start_at,
        reading_end as reading_end_at,
        epoch(reading_end) - epoch(reading_start) as interval_seconds,

        -- consumption in the interval (not a cumulative register)
        quantity,
        {{ clean_text('unit') }} as unit,
        -- optional in the contract: a reading not flagged as estimated is actual
        coalesce(is_estimated, false) as is_estimated,

        -- lineage; the file and row apart too, because interval readings are
        -- summed per meter x month and their lineage kept as row ranges
        {{ lineage_columns('energy__meter_readings') }},
        _file_path as file_path,
        _row_number as file_row_number

    from source

)

select * from renamed
