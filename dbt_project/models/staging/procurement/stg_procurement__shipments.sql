with

source as (

    select * from {{ source('procurement', 'shipments') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('shipment_id') }} as shipment_id,
        {{ clean_text('entity_id') }} as entity_id,

        -- date
        date as shipment_date,
        year(date) as reporting_year,

        -- the shipment: inbound, or outbound paid by the company -> category 4;
        -- outbound not paid by the company -> category 9
        {{ normalize_code('direction') }} as direction,
        paid_by_company as is_paid_by_company,
        {{ normalize_code('mode') }} as transport_mode,
        weight_t,
        distance_km,

        -- lineage
        {{ lineage_columns('procurement__shipments') }}

    from source

)

select * from renamed
