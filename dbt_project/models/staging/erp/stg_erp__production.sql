with

source as (

    select * from {{ source('erp', 'production') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('facility_id') }} as facility_id,

        -- period
        {{ period_columns('period') }},

        -- output: product names are labels shown in reports, kept as reported
        {{ clean_text('product') }} as product,
        quantity,
        {{ clean_text('unit') }} as unit,

        -- lineage
        {{ lineage_columns('erp__production') }}

    from source

)

select * from renamed
