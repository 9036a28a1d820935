with

source as (

    select * from {{ source('erp', 'process_activity') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('facility_id') }} as facility_id,

        -- period
        {{ period_columns('period') }},

        -- activity
        {{ normalize_code('process') }} as process_key,
        quantity,
        {{ clean_text('unit') }} as unit,

        -- lineage
        {{ lineage_columns('erp__process_activity') }}

    from source

)

select * from renamed
