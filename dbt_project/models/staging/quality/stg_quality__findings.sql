-- The data quality plan's findings as the quality/* assets wrote them
-- (pipelines/lib/quality/store.py). Ephemeral: the quality schema is written
-- after the main dbt build, so this model is compiled into the models that
-- read it (built after the plan's checks, pipelines/defs/quality/dbt.py)
-- instead of being a view the main build would create too early. The table
-- is the warehouse's own record, already clean: no renaming or casting.
{{ config(materialized='ephemeral') }}
with

source as (

    select * from {{ source('quality', 'findings') }}

)

select * from source
