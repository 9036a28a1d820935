-- The activity records no rule could quantify, over all years, as `carbon run`
-- prints them: dataset x reason, with the records of fct_unestimated_activity
-- (unestimated, or held outside the reporting years). The per-year counts are
-- in rpt_unestimated_summary.
with

activity as (

    select * from {{ ref('fct_unestimated_activity') }}

),

final as (

    select
        dataset_key,
        reason_code,
        count(*) as records
    from activity
    group by all

)

select * from final
