with

source as (

    select * from {{ source('reference', 'custom_factors') }}

),

renamed as (

    select
        -- what the factor applies to
        {{ normalize_code('factor_key') }} as factor_key,
        {{ clean_text('unit') }} as unit,
        {{ clean_text('region') }} as region,
        year_from,
        year_to,

        -- the factor: kg of gas per activity unit
        {{ clean_text('gas') }} as gas,
        {{ normalize_gas_key('gas') }} as gas_key,
        kg_per_unit,

        -- citation
        {{ clean_text('source') }} as source_citation,

        -- lineage
        {{ lineage_columns('reference__custom_factors') }}

    from source

)

select * from renamed
