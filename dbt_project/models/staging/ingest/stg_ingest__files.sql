-- The landing files the extraction read, as history.run_inputs records them
-- per run (pipelines/lib/history/manifest.py): the inputs of the run under way.
with

source as (

    select * from {{ source('ingest', 'files') }}

),

renamed as (

    select
        dataset_key,
        file_path,
        file_sha256,
        status as file_status,
        loaded_at

    from source

)

select * from renamed
