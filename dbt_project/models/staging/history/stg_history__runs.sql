-- The run manifests, reduced to what the warehouse's models compare with the
-- current run: the GWP set, the effective settings and the factor set.
with

source as (

    select * from {{ source('history', 'runs') }}

),

renamed as (

    select
        run_id,
        started_at,
        status as run_status,
        gwp_set,
        factor_set_version,
        seeds_sha256,
        settings_json,
        json_extract_string(settings_json, '$.scope2_location_factor') as scope2_location_factor,
        json_extract_string(settings_json, '$.scope2_location_family') as scope2_location_family

    from source

)

select * from renamed
