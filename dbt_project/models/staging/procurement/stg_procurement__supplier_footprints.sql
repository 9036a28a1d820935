with

source as (

    select * from {{ source('procurement', 'supplier_footprints') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('supplier_id') }} as supplier_id,
        {{ clean_text('category_code') }} as category_code,

        -- the footprint
        kgco2e_per_unit,
        {{ clean_text('unit') }} as unit,
        year as footprint_year,
        verified as is_verified,
        {{ clean_text('standard') }} as footprint_standard,

        -- lineage
        {{ lineage_columns('procurement__supplier_footprints') }}

    from source

)

select * from renamed
