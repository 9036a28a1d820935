with

source as (

    select * from {{ source('procurement', 'other_value_chain') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('record_id') }} as record_id,
        {{ clean_text('entity_id') }} as entity_id,

        -- year and category
        year as reporting_year,
        scope3_category,

        -- activity
        {{ normalize_code('factor_key') }} as factor_key,
        quantity,
        {{ clean_text('unit') }} as unit,
        {{ clean_text('description') }} as description,

        -- lineage
        {{ lineage_columns('procurement__other_value_chain') }}

    from source

)

select * from renamed
