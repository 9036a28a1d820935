with

source as (

    select * from {{ source('procurement', 'waste') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('facility_id') }} as facility_id,

        -- period
        {{ period_columns('period') }},

        -- waste
        {{ normalize_code('waste_type') }} as waste_type,
        {{ normalize_code('treatment') }} as waste_treatment,
        quantity,
        {{ clean_text('unit') }} as unit,

        -- lineage
        {{ lineage_columns('procurement__waste') }}

    from source

)

select * from renamed
