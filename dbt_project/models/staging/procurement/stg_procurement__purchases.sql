with

source as (

    select * from {{ source('procurement', 'purchases') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('line_id') }} as line_id,
        {{ clean_text('entity_id') }} as entity_id,
        {{ clean_text('supplier_id') }} as supplier_id,
        -- the group's own commodity code: an identifier, case kept
        {{ clean_text('category_code') }} as category_code,

        -- attributes
        {{ clean_text('supplier_name') }} as supplier_name,
        {{ clean_text('description') }} as description,
        invoice_date,
        year(invoice_date) as reporting_year,
        -- optional in the contract: a line not flagged as capital is category 1
        coalesce(is_capital, false) as is_capital,

        -- spend in currency_code (converted with fx_rates downstream)
        spend_amount,
        {{ normalize_iso_code('currency') }} as currency_code,

        -- physical amount, optional (average-data and supplier-specific methods)
        quantity,
        {{ clean_text('unit') }} as unit,

        -- lineage
        {{ lineage_columns('procurement__purchases') }}

    from source

)

select * from renamed
