with

source as (

    select * from {{ source('reference', 'fx_rates') }}

),

renamed as (

    select
        {{ normalize_iso_code('currency') }} as currency_code,
        year as rate_year,
        -- the group's accounting rate: units of currency_code per 1 USD
        units_per_usd,

        -- lineage
        {{ lineage_columns('reference__fx_rates') }}

    from source

)

select * from renamed
