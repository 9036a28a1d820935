with

source as (

    select * from {{ source('history', 'run_inputs') }}

),

renamed as (

    select
        run_id,
        dataset_key,
        file_path,
        file_sha256,
        status as file_status,
        reporting_years

    from source

)

select * from renamed
