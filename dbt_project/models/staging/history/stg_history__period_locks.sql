with

source as (

    select * from {{ source('history', 'period_locks') }}

),

renamed as (

    select
        lock_id,
        reporting_year,
        lock_version,
        locked_at,
        run_id as locked_run_id,
        marts_fingerprint as locked_marts_fingerprint,
        figures as locked_figures,
        note as lock_note

    from source

)

select * from renamed
