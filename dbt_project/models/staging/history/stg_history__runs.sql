-- The run manifests, reduced to what the warehouse's models compare between
-- two runs (int_history__manifest_changes): the GWP set, the effective
-- settings, the factor set, the seeds, the data quality plan and the code.
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
        seed_files_json,
        settings_json,
        dq_plan_sha256,
        code_version,
        git_commit,
        code_sha256,
        json_extract_string(settings_json, '$.scope2_location_factor') as scope2_location_factor,
        json_extract_string(settings_json, '$.scope2_location_family') as scope2_location_family

    from source

)

select * from renamed
