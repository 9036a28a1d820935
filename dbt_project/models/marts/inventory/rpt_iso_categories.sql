-- The inventory by ISO 14064-1:2018 category (= T/CAS 612 6.2.1 a-f; docs/methods.md
-- M-S3-05): year x approach x category x line. Category 1 is "direct emissions and
-- removals": the group's own removals (erp/removals) are a line of their own
-- (line_kind 'removals', removals_t), never netted against the emissions.
-- Scope 2 counts once per method: co2e_location_based_t holds every category
-- with Scope 2 location-based, co2e_market_based_t with market-based. Biogenic
-- CO2 is reported outside the categories (rpt_group_inventory scope
-- 'biogenic'). Removals take the holder's weight under the approach x its
-- share of the year in the group, like every annual datum (docs/methods.md M-BND-02).
with

inventory as (

    select * from {{ ref('fct_inventory') }}
    where scope <> 'biogenic'

),

removals as (

    select * from {{ ref('stg_erp__removals') }}
    where reporting_year is not null and entity_id is not null

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

emission_lines as (

    select
        reporting_year,
        consolidation_approach,
        iso_category,
        'emissions' as line_kind,
        {{ exact_sum("case when scope2_method is distinct from 'market' then co2e_t else 0 end") }}
            as co2e_location_based_t,
        {{ exact_sum("case when scope2_method is distinct from 'location' then co2e_t else 0 end") }}
            as co2e_market_based_t,
        cast(null as double) as removals_t
    from inventory
    group by all

),

removal_lines as (

    select
        r.reporting_year,
        a.consolidation_approach,
        1 as iso_category,
        'removals' as line_kind,
        cast(null as double) as co2e_location_based_t,
        cast(null as double) as co2e_market_based_t,
        {{ exact_sum("r.removals_t * case a.consolidation_approach
            when 'equity_share' then w.weight_equity_share
            when 'operational_control' then w.weight_operational_control
            else w.weight_financial_control end
            * " ~ membership_fraction("make_date(r.reporting_year::int, 1, 1)", "make_date(r.reporting_year::int, 12, 31)",
                                      "'year'", 'w.in_group_from_date', 'w.in_group_to_date')) }} as removals_t
    from removals as r
    cross join approaches as a
    inner join weights as w
        on w.entity_id = r.entity_id
    where {{ in_reporting_years('r.reporting_year') }}
    group by all

),

final as (

    select
        cast(reporting_year as bigint) as reporting_year,
        consolidation_approach,
        cast(iso_category as integer) as iso_category,
        case iso_category
            when 1 then 'Direct GHG emissions and removals'
            when 2 then 'Indirect GHG emissions from imported energy'
            when 3 then 'Indirect GHG emissions from transportation'
            when 4 then 'Indirect GHG emissions from products used by the organization'
            when 5 then 'Indirect GHG emissions associated with the use of products from the organization'
            when 6 then 'Indirect GHG emissions from other sources'
        end as iso_category_name,
        line_kind,
        co2e_location_based_t,
        co2e_market_based_t,
        removals_t
    from (select * from emission_lines union all select * from removal_lines)

)

select * from final
