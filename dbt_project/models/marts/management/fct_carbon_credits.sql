-- Carbon credit holdings (T/CAS 612 6.7 b, c): one row per credit record as
-- loaded, so held vs retired by registry, vintage, removal vs avoidance and
-- entity is a group-by, and every tonne traces to its raw row.
--   held_t / retired_t / cancelled_t = quantity_t by status
--   counted_retired_t   = the retired tonnes whose serials no earlier
--                         retirement claimed (int_carbon_assets__credits_counted)
--   position_weight     = holder's primary-approach weight x its share of
--                         retired_for_year in the group
--   position_retired_t  = counted_retired_t x position_weight, for purpose
--                         `neutrality` only: what the record contributes to
--                         fct_carbon_position.credits_retired_t (the net)
--   compliance_retired_t = counted_retired_t x position_weight, for purpose
--                         `compliance`: it serves the ETS obligation
--                         (fct_carbon_position, within the offset limit) and
--                         never enters the net
-- Purpose `other` or none: listed, counted nowhere (docs/methods.md M-CP-01; T/CAS 612
-- 6.7 b). counts_toward says where a record's tonnes go; not_counted_reason
-- says why a record adds nothing to the net. The weights and the weighted
-- tonnes are int_carbon_assets__credits_weighted; here the record is published.
with

weighted as (

    select * from {{ ref('int_carbon_assets__credits_weighted') }}

),

final as (

    select
        source_record_key,
        serial,
        entity_id,
        registry,
        project_id,
        project_type,
        project_type = 'removal' as is_removal,
        cast(vintage_year as bigint) as vintage_year,
        quantity_t,
        credit_status,
        case when credit_status = 'held' then quantity_t else 0.0 end as held_t,
        case when credit_status = 'retired' then quantity_t else 0.0 end as retired_t,
        case when credit_status = 'cancelled' then quantity_t else 0.0 end as cancelled_t,
        retired_date,
        cast(retired_for_year as bigint) as retired_for_year,
        retirement_purpose,
        unit_price_amount,
        currency_code,
        quantity_t * unit_price_amount as cost_amount,
        block_prefix as serial_block_prefix,
        cast(block_first as hugeint) as serial_first,
        cast(block_last as hugeint) as serial_last,
        cast(block_serials as hugeint) as serial_count,
        overlapping_records > 0 as has_serial_overlap,
        overlapping_serials,
        cast(already_retired_serials as hugeint) as already_retired_serials,
        earlier_retired_serials,
        counted_retired_t,
        position_weight,
        case
            when counted_retired_t = 0 or position_weight = 0 then 'nothing'
            when retirement_purpose = 'neutrality' then 'carbon_position'
            when retirement_purpose = 'compliance' then 'ets_obligation'
            else 'listed_only'
        end as counts_toward,
        position_retired_t,
        compliance_retired_t,
        coalesce(
            not_counted_reason,
            case
                when retired_for_year is not null and not {{ in_reporting_years('retired_for_year') }}
                    then 'outside_reporting_period'
                when position_weight = 0 then 'holder_outside_boundary'
            end,
            case
                when retirement_purpose = 'compliance' then 'compliance_use_serves_ets'
                when retirement_purpose is distinct from 'neutrality' then 'purpose_not_neutrality'
            end
        ) as not_counted_reason,
        '{{ var("consolidation") }}' as consolidation_approach,
        load_id,
        file_sha256
    from weighted

)

select * from final
