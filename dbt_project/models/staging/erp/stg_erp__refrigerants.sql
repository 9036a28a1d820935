with

source as (

    select * from {{ source('erp', 'refrigerants') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('facility_id') }} as facility_id,

        -- period
        {{ period_columns('period') }},

        -- gas as reported, and its join key for the GWP and blend seeds
        {{ clean_text('gas') }} as gas,
        {{ normalize_gas_key('gas') }} as gas_key,

        -- mass-balance terms as reported; a missing term counts as 0 in the
        -- calculation (docs/methods.md M-S1-04), kept null here so completeness is visible
        inventory_decrease_kg,
        purchased_kg,
        disposed_kg,
        capacity_increase_kg,

        -- lineage
        {{ lineage_columns('erp__refrigerants') }}

    from source

)

select * from renamed
