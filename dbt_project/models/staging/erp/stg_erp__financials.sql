with

source as (

    select * from {{ source('erp', 'financials') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('entity_id') }} as entity_id,

        -- period
        {{ period_columns('period') }},

        -- amounts in currency_code (not converted here)
        revenue as revenue_amount,
        output_value as output_value_amount,
        {{ normalize_iso_code('currency') }} as currency_code,

        -- lineage
        {{ lineage_columns('erp__financials') }}

    from source

)

select * from renamed
