with

source as (

    select * from {{ source('erp', 'entities') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('entity_id') }} as entity_id,
        {{ clean_text('parent_entity_id') }} as parent_entity_id,

        -- attributes
        {{ clean_text('entity_name') }} as entity_name,
        {{ normalize_code('relationship') }} as relationship,

        -- the parent's link to this entity (boundary weights, docs/methods.md M-BND-01)
        equity_pct,
        {{ normalize_code('financial_control') }} as financial_control,
        operational_control as is_operational_control,

        -- membership of the group
        valid_from as valid_from_date,
        valid_to as valid_to_date,

        -- lineage
        {{ lineage_columns('erp__entities') }}

    from source

)

select * from renamed
