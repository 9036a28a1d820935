{#
    The emission lines weighted: one row per activity record x gas (x Scope 2
    method), the rows of the mart fct_emissions (which selects them as they are;
    the baseline and target models read them here, not from the mart).
    co2e_t = gas_mass_t x GWP100 of the configured set (var gwp_set), unweighted;
    the three weight_* columns are the entity's consolidation weight under each
    approach times the share of the activity period inside the entity's time in
    the group (docs/methods.md M-BND-02). source_record_key points at the raw row:
    '<raw table>:<landing file>#<row>'.
    The ledger keeps only the inventory years (int_inventory_years: the reporting years of
    docs/methods.md M-PER-01 and the configured base years; inventory_years_only, or the view for
    the purchase lines): a piece of any other year is
    held in fct_unestimated_activity (reason outside_reporting_period). Annual
    marts above keep the reporting years only (macro in_reporting_years).
    Category 15 from the entity tree (docs/methods.md M-S3-04; Scope 3 Standard table 5.9):
    an entity that carries equity but is not fully consolidated under an
    approach adds, under that approach, its Scope 1 and Scope 2 (location-based,
    the grid average an investee's own figure would use) again as Scope 3
    category 15 lines (source_type 'investee_entity_tree', same raw row) with
    weight = its equity-share weight - its weight under the approach, when
    positive (the Holland 50 % joint venture held by an 83 % subsidiary: 0.415
    under operational control, 0 under equity share and financial control).
    chain_weight_* is the weight before the days-in-group share.
    The line CTEs are `not materialized`: `weighted` is read twice (every line,
    and the few Scope 1/2 lines of the entity tree), and DuckDB would otherwise
    hold all 3.5 M weighted lines of scale M in memory to share them; inlined,
    the second read keeps only the Scope 1/2 lines from the scans (27 s -> 15 s).

    The SQL of int_emission_lines_weighted__others (lines: int_emission_lines__others, the inventory
    years only, with the investments of category 15) and int_emission_lines_weighted__purchases (lines:
    int_scope3_emission_lines__purchases, every year, no investment among them); the view
    int_emission_lines_weighted is both, the purchase lines of the inventory years only. Every step is
    row by row (the entity tree's lines come from Scope 1/2 lines only, none of them purchase lines), so
    the two tables together are the table over every line: a new month of readings leaves the purchase
    lines' table as it is.
#}
{% macro emission_lines_weighted(lines, inventory_years_only=true, with_investments=true) -%}
{%- set gwp_set = var('gwp_set') %}
with

lines as not materialized (

    select * from {{ lines }}
    {%- if inventory_years_only %}
    where reporting_year in (select reporting_year from {{ ref('int_inventory_years') }})
    {%- endif %}

),

facilities as (

    select facility_id, entity_id from {{ ref('stg_erp__facilities') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

gwp as (

    -- per gwp_gas_key of the lines (a handful): the key normalized once, not on every line
    select k.gwp_gas_key, g.gwp_100
    from (select distinct gwp_gas_key from {{ lines }}) as k
    inner join {{ ref('int_gwp_values') }} as g
        on g.gas_key = {{ normalize_gas_key('k.gwp_gas_key') }}
    where g.gwp_set = '{{ gwp_set }}'

),

located as not materialized (

    select
        l.*,
        coalesce(l.entity_id, f.entity_id) as owner_entity_id
    from lines as l
    left join facilities as f
        on f.facility_id = l.facility_id

),

investments as (

    -- Category 15: an investee consolidated under an approach is already in its
    -- Scope 1/2 there, so its category 15 line weighs 0 under that approach.
    {%- if with_investments %}
    select
        source_record_key,
        is_consolidated_equity_share,
        is_consolidated_operational_control,
        is_consolidated_financial_control
    from {{ ref('int_scope3_investments_apportioned') }}
    {%- else %}
    -- (none among these lines)
    select
        cast(null as varchar) as source_record_key,
        false as is_consolidated_equity_share,
        false as is_consolidated_operational_control,
        false as is_consolidated_financial_control
    where false
    {%- endif %}

),

weighted as not materialized (

    select
        l.*,
        coalesce(i.is_consolidated_equity_share, false) as is_investee_consolidated_equity_share,
        coalesce(i.is_consolidated_operational_control, false) as is_investee_consolidated_operational_control,
        coalesce(i.is_consolidated_financial_control, false) as is_investee_consolidated_financial_control,
        coalesce({{ membership_fraction('l.period_start', 'l.period_end', 'l.period_grain',
                                        'w.in_group_from_date', 'w.in_group_to_date') }}, 0) as in_group_fraction,
        coalesce(w.weight_equity_share, 0) as entity_weight_equity_share,
        coalesce(w.weight_operational_control, 0) as entity_weight_operational_control,
        coalesce(w.weight_financial_control, 0) as entity_weight_financial_control
    from located as l
    left join weights as w
        on w.entity_id = l.owner_entity_id
    left join investments as i
        on l.source_type = 'investment'
        and i.source_record_key = l.source_record_key

),

investee_tree_lines as (

    select
        * replace (
            '3' as scope,
            cast(null as varchar) as scope2_method,
            15 as scope3_category,
            'investee_entity_tree' as source_type,
            'investment_specific' as method,
            'entity tree: investee Scope ' || scope || coalesce(' ' || scope2_method, '')
                || ' x (equity-share weight - approach weight)' as factor_selection_reason,
            false as is_investee_consolidated_equity_share,
            false as is_investee_consolidated_operational_control,
            false as is_investee_consolidated_financial_control,
            0.0 as entity_weight_equity_share,
            greatest(0.0, entity_weight_equity_share - entity_weight_operational_control)
                as entity_weight_operational_control,
            greatest(0.0, entity_weight_equity_share - entity_weight_financial_control)
                as entity_weight_financial_control
        )
    from weighted
    where (scope = '1' or (scope = '2' and scope2_method = 'location'))
      and (entity_weight_equity_share > entity_weight_operational_control
           or entity_weight_equity_share > entity_weight_financial_control)

),

all_lines as (

    select * from weighted
    union all by name
    select * from investee_tree_lines

),

final as (

    select
        md5(concat_ws('|', l.source_record_key, l.gas, coalesce(l.scope2_method, ''),
                      cast(l.period_start as varchar), l.factor_id, l.scope, l.source_type)) as emission_id,
        l.reporting_year,
        l.period_start,
        l.period_end,
        l.period_grain,
        l.owner_entity_id as entity_id,
        l.facility_id,
        l.scope,
        l.scope2_method,
        l.scope3_category,
        -- ISO 14064-1 categories (macro iso_category, docs/methods.md M-S3-05)
        {{ iso_category('l.scope', 'l.scope3_category') }} as iso_category,
        l.source_type,
        l.activity_code,
        l.activity_quantity,
        l.activity_unit,
        l.gas,
        l.gas_mass_t,
        '{{ gwp_set }}' as gwp_set,
        g.gwp_100,
        l.gas_mass_t * g.gwp_100 as co2e_t,
        l.is_biogenic,
        l.method,
        l.factor_id,
        l.factor_selection_reason,
        l.is_factor_year_fallback,
        l.data_quality_score,
        l.source_record_key,
        l.in_group_fraction,
        case when l.is_investee_consolidated_equity_share then 0.0
             else l.entity_weight_equity_share * l.in_group_fraction end as weight_equity_share,
        case when l.is_investee_consolidated_operational_control then 0.0
             else l.entity_weight_operational_control * l.in_group_fraction end as weight_operational_control,
        case when l.is_investee_consolidated_financial_control then 0.0
             else l.entity_weight_financial_control * l.in_group_fraction end as weight_financial_control,
        case when l.is_investee_consolidated_equity_share then 0.0
             else l.entity_weight_equity_share end as chain_weight_equity_share,
        case when l.is_investee_consolidated_operational_control then 0.0
             else l.entity_weight_operational_control end as chain_weight_operational_control,
        case when l.is_investee_consolidated_financial_control then 0.0
             else l.entity_weight_financial_control end as chain_weight_financial_control
    from all_lines as l
    left join gwp as g
        on g.gwp_gas_key = l.gwp_gas_key

)

select * from final
{%- endmacro %}
