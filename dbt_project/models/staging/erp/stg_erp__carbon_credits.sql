with

source as (

    select * from {{ source('erp', 'carbon_credits') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('serial') }} as serial,
        {{ clean_text('entity_id') }} as entity_id,
        {{ clean_text('project_id') }} as project_id,

        -- the credit
        -- registry acronyms stay upper-case (CCER, VCS, GS, CDM, OTHER)
        {{ normalize_iso_code('registry') }} as registry,
        {{ normalize_code('project_type') }} as project_type,
        vintage_year,
        quantity_t,

        -- retirement
        {{ normalize_code('status') }} as credit_status,
        retired_on as retired_date,
        retired_for_year,
        {{ normalize_code('retirement_purpose') }} as retirement_purpose,

        -- price
        unit_price as unit_price_amount,
        {{ normalize_iso_code('currency') }} as currency_code,

        -- lineage
        {{ lineage_columns('erp__carbon_credits') }}

    from source

)

select * from renamed
