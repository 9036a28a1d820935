with

source as (

    select * from {{ source('erp', 'removals') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('entity_id') }} as entity_id,

        -- the sink and the year of the removals
        {{ clean_text('project') }} as project,
        year as reporting_year,
        quantity_t as removals_t,

        -- lineage
        {{ lineage_columns('erp__removals') }}

    from source

)

select * from renamed
