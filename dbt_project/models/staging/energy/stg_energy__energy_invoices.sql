with

source as (

    select * from {{ source('energy', 'energy_invoices') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('facility_id') }} as facility_id,

        -- period
        {{ period_columns('period') }},

        -- invoiced energy
        {{ normalize_code('energy_type') }} as energy_type,
        quantity,
        {{ clean_text('unit') }} as unit,

        -- invoice
        amount as invoice_amount,
        {{ normalize_iso_code('currency') }} as currency_code,
        {{ clean_text('supplier') }} as supplier_name,

        -- lineage
        {{ lineage_columns('energy__energy_invoices') }}

    from source

)

select * from renamed
