with

source as (

    select * from {{ source('history', 'restatements') }}

),

renamed as (

    select
        run_id,
        recorded_at,
        lock_id,
        reporting_year,
        consolidation_approach,
        scope,
        scope2_method,
        scope3_category,
        change_kind,
        locked_co2e_t,
        old_co2e_t,
        new_co2e_t,
        difference_t,
        reference_run_id,
        cause,
        cause_json,
        cause_type

    from source

)

select * from renamed
