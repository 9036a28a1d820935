with

source as (

    select * from {{ source('erp', 'carbon_allowances') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('entity_id') }} as entity_id,

        -- the ETS and the compliance (emission) year the allowances cover
        {{ clean_text('scheme') }} as scheme,
        compliance_year,

        -- allowance movements, tCO2e
        allocated_t,
        purchased_t,
        sold_t,
        surrendered_t,
        voluntarily_cancelled_t,

        -- lineage
        {{ lineage_columns('erp__carbon_allowances') }}

    from source

)

select * from renamed
