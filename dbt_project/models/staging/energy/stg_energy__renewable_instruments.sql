with

source as (

    select * from {{ source('energy', 'renewable_instruments') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('instrument_id') }} as instrument_id,
        {{ clean_text('facility_id') }} as facility_id,
        {{ clean_text('entity_id') }} as entity_id,

        -- the instrument
        {{ normalize_code('instrument_type') }} as instrument_type,
        -- no facility: pooled at the entity, allocated pro rata (docs/methods.md M-S2-02)
        {{ clean_text('facility_id') }} is null as is_pooled,

        -- the consumption period it covers
        {{ period_columns('period') }},

        -- attribute
        mwh,
        emission_factor_t_per_mwh,
        retired as is_retired,

        -- lineage
        {{ lineage_columns('energy__renewable_instruments') }}

    from source

)

select * from renamed
