with

source as (

    select * from {{ source('history', 'locked_figures') }}

),

renamed as (

    select
        lock_id,
        reporting_year,
        consolidation_approach,
        scope,
        scope2_method,
        scope3_category,
        co2e_t as locked_co2e_t

    from source

)

select * from renamed
