with

source as (

    select * from {{ source('procurement', 'category_map') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('category_code') }} as category_code,

        -- mapping
        scope3_category,
        {{ normalize_code('spend_factor_key') }} as spend_factor_key,
        {{ normalize_code('activity_factor_key') }} as activity_factor_key,

        -- lineage
        {{ lineage_columns('procurement__category_map') }}

    from source

)

select * from renamed
