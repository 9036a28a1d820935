-- Category 15 investments (docs/methods.md M-S3-04; GHG Protocol Technical Guidance,
-- investment-specific method, formula 15.1): the investee's reported
-- (Scope 1 + Scope 2) x equity_pct / 100, one row per investments record.
-- Only investees NOT consolidated in the inventory count: an investee that is
-- an entity reachable from the group root with a weight > 0 under the primary
-- consolidation approach (var consolidation) already has its Scope 1 and 2 in
-- the inventory, so it gets status 'consolidated_in_inventory' and no Scope 3
-- row. The weights under all three approaches are kept (is_consolidated_*) so
-- the inventory can exclude per approach (see docs/decisions.md, "Scope 3").
-- An investee of the boundary tree that carries equity there (equity-share
-- weight > 0), belongs to the group in the year and whose own facilities
-- report Scope 1 or 2 activity in that year gets
-- its category 15 from the tree instead (fct_emissions, source_type
-- 'investee_entity_tree', docs/methods.md M-S3-04: counted once, the tree wins): status
-- 'counted_from_entity_tree', no line here.
-- Missing Scope 1 or Scope 2 counts as 0 when the other is given; both missing
-- -> 'no_emissions_data'; no equity_pct -> 'no_equity_pct' (listed, never zero).
{% set primary = var('consolidation') %}
with

investments as (

    select * from {{ ref('stg_procurement__investments') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

investee_years_with_activity as (

    -- entity x year whose own facilities report Scope 1 or 2 activity: their
    -- emissions are computed from activity, so the tree gives their category 15
    select distinct f.entity_id, a.reporting_year
    from {{ ref('stg_erp__facilities') }} as f
    inner join (
        select facility_id, reporting_year from {{ ref('stg_erp__fuel_consumption') }}
        union all
        select facility_id, reporting_year from {{ ref('int_energy_consumption_monthly') }}
        union all
        select facility_id, reporting_year from {{ ref('stg_erp__process_activity') }}
    ) as a
        on a.facility_id = f.facility_id

),

joined as (

    select
        i.*,
        w.entity_id is not null as is_investee_in_boundary_tree,
        -- the tree carries its equity (a fixed asset investment weighs 0 there) and its
        -- activity is in the landing data
        -- in the group during the year
        coalesce(w.weight_equity_share, 0) > 0 and a.entity_id is not null
            and (w.in_group_from_date is null or w.in_group_from_date <= make_date(i.reporting_year, 12, 31))
            and (w.in_group_to_date is null or w.in_group_to_date >= make_date(i.reporting_year, 1, 1))
            as is_counted_from_entity_tree,
        coalesce(w.weight_equity_share, 0) > 0 as is_consolidated_equity_share,
        coalesce(w.weight_operational_control, 0) > 0 as is_consolidated_operational_control,
        coalesce(w.weight_financial_control, 0) > 0 as is_consolidated_financial_control
    from investments as i
    left join weights as w
        on w.entity_id = i.investee_id
    left join investee_years_with_activity as a
        on a.entity_id = i.investee_id
        and a.reporting_year = i.reporting_year

),

final as (

    select
        source_record_key,
        investee_id,
        investor_entity_id,
        reporting_year,
        make_date(reporting_year, 1, 1) as period_start,
        make_date(reporting_year, 12, 31) as period_end,
        'year' as period_grain,
        equity_pct,
        investee_scope1_t,
        investee_scope2_t,
        coalesce(investee_scope1_t, 0) + coalesce(investee_scope2_t, 0) as investee_scope12_t,
        (coalesce(investee_scope1_t, 0) + coalesce(investee_scope2_t, 0)) * equity_pct / 100.0 as apportioned_t,
        is_investee_in_boundary_tree,
        is_consolidated_equity_share,
        is_consolidated_operational_control,
        is_consolidated_financial_control,
        '{{ primary }}' as primary_consolidation_approach,
        case
            -- consolidated under every approach: already in Scope 1/2 everywhere. Under
            -- an approach that consolidates it, fct_emissions weighs the line 0.
            when is_consolidated_equity_share and is_consolidated_operational_control
                 and is_consolidated_financial_control then 'consolidated_in_inventory'
            when is_counted_from_entity_tree then 'counted_from_entity_tree'
            when investee_scope1_t is null and investee_scope2_t is null then 'no_emissions_data'
            when equity_pct is null then 'no_equity_pct'
            else 'ok'
        end as calc_status
    from joined

)

select * from final
