-- What the inventory could not estimate, counted: year x kind x Scope 3
-- category x dataset x reason. `scope3` rows count the value-chain
-- activities left out of Scope 3 (fct_scope3_unestimated) and the distinct
-- source records behind them; `activity` rows count the activity records no
-- rule could quantify (fct_unestimated_activity, Scope 3 category null).
-- The exclusions of the report (ISO 14064-1 9.3.1 e, i).
with

scope3 as (

    select * from {{ ref('fct_scope3_unestimated') }}

),

activity as (

    select * from {{ ref('fct_unestimated_activity') }}

),

final as (

    select
        reporting_year,
        'scope3' as exclusion_kind,
        scope3_category,
        dataset_key,
        reason_code,
        count(*) as records,
        count(distinct source_record_key) as source_records
    from scope3
    group by all

    union all

    select
        reporting_year,
        'activity' as exclusion_kind,
        cast(null as integer) as scope3_category,
        dataset_key,
        reason_code,
        count(*) as records,
        cast(null as bigint) as source_records
    from activity
    group by all

)

select * from final
