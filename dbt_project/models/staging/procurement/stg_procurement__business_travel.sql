with

source as (

    select * from {{ source('procurement', 'business_travel') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('trip_id') }} as trip_id,
        {{ clean_text('entity_id') }} as entity_id,

        -- date
        date as trip_date,
        year(date) as reporting_year,

        -- the trip
        {{ normalize_code('mode') }} as travel_mode,
        distance_km,
        travellers as traveller_count,
        vehicle_occupancy,
        {{ normalize_code('cabin_class') }} as cabin_class,

        -- lineage
        {{ lineage_columns('procurement__business_travel') }}

    from source

)

select * from renamed
