with

source as (

    select * from {{ source('procurement', 'investments') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('investee_id') }} as investee_id,
        {{ clean_text('investor_entity_id') }} as investor_entity_id,

        -- year
        year as reporting_year,

        -- the investee's emissions and the investor's share (category 15)
        equity_pct,
        investee_scope1_t,
        investee_scope2_t,

        -- lineage
        {{ lineage_columns('procurement__investments') }}

    from source

)

select * from renamed
