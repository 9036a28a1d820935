-- Every credit record with the weight its tonnes enter the carbon position with
-- (docs/methods.md M-CP-01; T/CAS 612 6.7 b): the counted tonnes of
-- int_carbon_assets__credits_counted (each serial once) x the holder's
-- position_weight in retired_for_year (int_carbon_assets__entity_year_weights:
-- primary-approach weight x its share of the year in the group; 0 outside the
-- boundary tree or the reporting years):
--   position_retired_t   = counted_retired_t x position_weight, purpose `neutrality`
--                          (what fct_carbon_position nets), else 0
--   compliance_retired_t = counted_retired_t x position_weight, purpose `compliance`
--                          (it serves the ETS obligation), else 0
-- Grain: credit record (source_record_key). Read by fct_carbon_credits (which
-- publishes it) and int_carbon_assets__credits_yearly.
with

credits as (

    select * from {{ ref('int_carbon_assets__credits_counted') }}

),

entity_years as (

    select * from {{ ref('int_carbon_assets__entity_year_weights') }}

),

weighted as (

    select
        c.*,
        coalesce(w.position_weight, 0.0) as position_weight
    from credits as c
    left join entity_years as w
        on w.entity_id = c.entity_id
        and w.reporting_year = c.retired_for_year

),

final as (

    select
        *,
        case when retirement_purpose = 'neutrality' then counted_retired_t * position_weight else 0.0 end
            as position_retired_t,
        case when retirement_purpose = 'compliance' then counted_retired_t * position_weight else 0.0 end
            as compliance_retired_t
    from weighted

)

select * from final
