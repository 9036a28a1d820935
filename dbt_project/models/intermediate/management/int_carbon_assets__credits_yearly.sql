-- Retired credits per holder and year they are retired for (docs/methods.md
-- M-CP-01, M-CP-02; T/CAS 612 6.7 b), from int_carbon_assets__credits_weighted
-- (each serial once), every sum exact (DECIMAL(38, 12)):
--   credits_retired_t       = sum of position_retired_t (purpose `neutrality`,
--                             weighted): what the carbon position nets
--   credit_records          = the records with position_retired_t > 0
--   compliance_credits_t    = sum of counted_retired_t of purpose `compliance`,
--                             unweighted: what may serve the holder's ETS
--                             obligation (int_carbon_assets__ets_obligations)
--   credits_other_purpose_t = sum of counted_retired_t x position_weight of
--                             purpose `other` or none: listed, counted nowhere
-- Grain: reporting_year (= retired_for_year) x entity. Only records with
-- retired_for_year and a holder. Read by int_carbon_assets__ets_obligations and
-- int_carbon_assets__entity_positions (a table: computed once).
{% set dec = 'decimal(38, 12)' %}
with

credits as (

    select * from {{ ref('int_carbon_assets__credits_weighted') }}

),

compliance_credits as (

    -- own credits retired for compliance, by compliance year (unweighted; each serial once)
    select
        cast(retired_for_year as bigint) as reporting_year,
        entity_id,
        sum(cast(counted_retired_t as {{ dec }})) as compliance_credits_t
    from credits
    where retirement_purpose = 'compliance'
      and retired_for_year is not null
      and entity_id is not null
    group by all

),

other_purpose_credits as (

    -- retired with purpose other or none: listed, counted nowhere
    select
        cast(retired_for_year as bigint) as reporting_year,
        entity_id,
        sum(cast(counted_retired_t * position_weight as {{ dec }})) as credits_other_purpose_t
    from credits
    where retirement_purpose is distinct from 'neutrality'
      and retirement_purpose is distinct from 'compliance'
      and retired_for_year is not null
      and entity_id is not null
    group by all

),

retired as (

    -- every holder x year with a retirement: the keys of the other two as well
    select
        cast(retired_for_year as bigint) as reporting_year,
        entity_id,
        sum(cast(position_retired_t as {{ dec }})) as credits_retired_t,
        count(*) filter (where position_retired_t > 0) as credit_records
    from credits
    where retired_for_year is not null
      and entity_id is not null
    group by all

),

final as (

    select
        r.reporting_year,
        r.entity_id,
        r.credits_retired_t,
        r.credit_records,
        c.compliance_credits_t,
        o.credits_other_purpose_t
    from retired as r
    left join compliance_credits as c
        on c.entity_id = r.entity_id
        and c.reporting_year = r.reporting_year
    left join other_purpose_credits as o
        on o.entity_id = r.entity_id
        and o.reporting_year = r.reporting_year

)

select * from final
