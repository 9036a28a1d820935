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
        -- the share of the input that reacts (CaCO3 in limestone); 1 when not stated
        coalesce(purity_fraction, 1) as purity_fraction,

        -- lineage
        {{ lineage_columns('erp__process_activity') }}

    from source

)

select * from renamed
