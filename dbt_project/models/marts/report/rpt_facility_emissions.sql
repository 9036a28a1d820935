-- Emissions by facility: year x consolidation approach x facility, Scope 1,
-- Scope 2 by method and Scope 3 of the facility's activities, with the
-- facility's name and entity; `rank_t` (Scope 1 + Scope 2 market-based, the
-- emissions the facility controls and buys) orders the report's top facilities.
-- Activities recorded per entity (no facility) are not here.
with

inventory as (

    select * from {{ ref('fct_inventory') }}
    where facility_id is not null

),

facilities as (

    select facility_id, facility_name, entity_id from {{ ref('dim_facilities') }}

),

per_facility as (

    select
        reporting_year,
        consolidation_approach,
        facility_id,
        {{ exact_sum("case when scope = '1' then co2e_t end") }} as scope1_t,
        {{ exact_sum("case when scope = '2' and scope2_method = 'location' then co2e_t end") }} as scope2_location_t,
        {{ exact_sum("case when scope = '2' and scope2_method = 'market' then co2e_t end") }} as scope2_market_t,
        {{ exact_sum("case when scope = '3' then co2e_t end") }} as scope3_t
    from inventory
    group by all

),

final as (

    select
        p.reporting_year,
        p.consolidation_approach,
        p.facility_id,
        f.facility_name,
        f.entity_id,
        p.scope1_t,
        p.scope2_location_t,
        p.scope2_market_t,
        p.scope3_t,
        coalesce(p.scope1_t, 0) + coalesce(p.scope2_market_t, 0) as rank_t
    from per_facility as p
    left join facilities as f using (facility_id)

)

select * from final
