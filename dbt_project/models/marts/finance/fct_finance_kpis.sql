-- Finance KPIs (the finance team's extract, README.md "The CLI" `carbon kpis`; T/CAS 612 6.4, 6.6, 6.7): one row per
-- entity x reporting year, plus one group row per year (is_group_total,
-- entity_id = var group_root). A read-only projection of the public marts in
-- the grain of financial reporting; nothing is recomputed here:
--   totals        rpt_group_inventory (group rows) and fct_inventory (entity
--                 rows), wide: one column per scope x consolidation approach,
--                 so summing a column never adds two approaches together
--   intensities   fct_intensity, revenue and output value (tCO2e / 10^4 of the
--                 reporting currency); production intensities stay there
--   targets       one row per target x year: fct_finance_target_kpis (a
--                 list of targets has no fixed set of columns)
--   position      fct_carbon_position, primary approach
-- Entity totals are the entity's contribution to the group (co2e x weight of
-- the approach, as fct_inventory and fct_carbon_position); entity
-- intensities are the entity's own figures (fct_intensity's rule). Sums are
-- exact_sum (DECIMAL) of the source doubles, so a single-cell total is the
-- source value itself.
-- Zero weight (docs/decisions.md "Finance KPIs"): an entity that weighs 0
-- under the primary approach (outside its boundary, e.g. a joint venture
-- under operational control) adds nothing to the group's intensity or carbon
-- position and shows none: its intensity and position columns are null with
-- the reason 'outside_primary_boundary', consistent with its zero totals
-- under that approach (fct_intensity keeps such an entity's own intensity
-- when it reports revenue; the finance extract does not).
-- Every null says why: *_missing_reason columns (test nulls_have_reasons).
{% set approaches = ['operational_control', 'financial_control', 'equity_share'] %}
{% set primary = var('consolidation') %}
{% set currency = var('reporting_currency') | upper %}
{% set cur = currency | lower %}
{% set scope_columns = {
    'scope1': scope_label_predicate('1'),
    'scope2_location': scope_label_predicate('2-location'),
    'scope2_market': scope_label_predicate('2-market'),
    'scope3': scope_label_predicate('3'),
    'biogenic_co2': "scope = 'biogenic'",
} %}
{#- the intensity denominators shown side by side, one block of columns each -#}
{% set financial_kinds = ['revenue', 'output_value'] %}
{#- one column per approach x scope, and the primary approach's row count: the
    same sums for the group rows (rpt_group_inventory) and the entity rows
    (fct_inventory) -#}
{% set approach_scope_totals -%}
        {%- for approach in approaches %}
        {%- for column, predicate in scope_columns.items() %}
        {{ exact_sum("case when consolidation_approach = '" ~ approach ~ "' and " ~ predicate ~ " then co2e_t end") }}
            as {{ column }}_{{ approach }}_t,
        {%- endfor %}
        {%- endfor %}
        sum(emission_rows) filter (where consolidation_approach = '{{ primary }}') as emission_rows,
{%- endset %}
with

group_inventory as (

    select * from {{ ref('rpt_group_inventory') }}

),

inventory as (

    select * from {{ ref('fct_inventory') }}

),

intensity as (

    select * from {{ ref('fct_intensity') }}

),

carbon_position as (

    select * from {{ ref('fct_carbon_position') }}

),

entities as (

    select * from {{ ref('dim_entities') }}

),

-- ---------------------------------------------------------------- totals

group_totals as (

    select
        reporting_year,
        '{{ var("group_root") }}' as entity_id,
        true as is_group_total,
        {{- approach_scope_totals }}
        true as has_emissions_in_group
    from group_inventory
    group by reporting_year

),

entity_totals as (

    select
        reporting_year,
        entity_id,
        false as is_group_total,
        {{- approach_scope_totals }}
        -- an entity outside the group in the year (every weight 0) adds nothing
        bool_or(co2e_t <> 0) as has_emissions_in_group
    from inventory
    where entity_id is not null
    group by reporting_year, entity_id

),

totals as (

    select * from group_totals
    union all by name
    select * from entity_totals

),

-- ---------------------------------------------------------------- intensities

financial_intensity as (

    -- revenue and output value side by side; the numerator is the same
    -- emissions for both (fct_intensity numerator_scopes)
    select
        reporting_year,
        entity_id,
        is_group_total,
        {%- for source, column in [('numerator_scopes', 'intensity_scopes'), ('numerator_t', 'intensity_numerator_t')] %}
        coalesce(
            {%- for kind in financial_kinds %}
            any_value({{ source }}) filter (where denominator_kind = '{{ kind }}'){{ ',' if not loop.last }}
            {%- endfor %}
        ) as {{ column }},
        {%- endfor %}
        {%- for kind in financial_kinds %}
        any_value(denominator) filter (where denominator_kind = '{{ kind }}') as {{ kind }}_10k_{{ cur }},
        any_value(intensity) filter (where denominator_kind = '{{ kind }}')
            as {{ kind }}_intensity_tco2e_per_10k_{{ cur }},
        any_value(missing_reason) filter (where denominator_kind = '{{ kind }}')
            as {{ kind }}_intensity_missing_reason{{ ',' if not loop.last }}
        {%- endfor %}
    from intensity
    where denominator_kind in ('{{ financial_kinds | join("', '") }}')
      and facility_id is null
    group by reporting_year, entity_id, is_group_total

),

-- ---------------------------------------------------------------- keys

keys as (

    select reporting_year, entity_id, is_group_total from totals
    where is_group_total or has_emissions_in_group
    union
    select reporting_year, entity_id, is_group_total from financial_intensity
    union
    select reporting_year, entity_id, is_group_total from carbon_position

),

keyed as (

    select
        k.*,
        case when k.is_group_total then 1.0 else coalesce(e.weight_{{ primary }}, 0) end::double
            as primary_weight,
        -- the entity takes no part in the group's primary-approach figures
        not k.is_group_total and coalesce(e.weight_{{ primary }}, 0) = 0 as is_outside_primary_boundary
    from keys as k
    left join entities as e
        on e.entity_id = k.entity_id

),

final as (

    select
        k.reporting_year::bigint as reporting_year,
        make_date(k.reporting_year::integer, 1, 1) as period_start_date,
        make_date(k.reporting_year::integer, 12, 31) as period_end_date,
        k.entity_id,
        case
            when k.is_group_total then coalesce(e.entity_name, k.entity_id) || ' (group total 集团合计)'
            else coalesce(e.entity_name, k.entity_id)
        end as entity_name,
        k.is_group_total,
        '{{ primary }}' as primary_consolidation_approach,
        k.primary_weight,
        {%- for approach in approaches %}
        {%- for column in scope_columns %}
        coalesce(t.{{ column }}_{{ approach }}_t, 0)::double as {{ column }}_{{ approach }}_t,
        {%- endfor %}
        {%- endfor %}
        coalesce(t.emission_rows, 0)::bigint as emission_rows,
        case when not k.is_outside_primary_boundary then i.intensity_scopes end
            as intensity_scopes,
        case when not k.is_outside_primary_boundary then i.intensity_numerator_t end
            as intensity_numerator_t,
        {%- for kind in financial_kinds %}
        case when not k.is_outside_primary_boundary then i.{{ kind }}_10k_{{ cur }} end
            as {{ kind }}_10k_{{ cur }},
        case when not k.is_outside_primary_boundary then i.{{ kind }}_intensity_tco2e_per_10k_{{ cur }} end
            as {{ kind }}_intensity_tco2e_per_10k_{{ cur }},
        case
            when k.is_outside_primary_boundary then 'outside_primary_boundary'
            -- no row of fct_intensity for this entity, or none of this denominator (e.g. revenue reported
            -- but no output value): nothing to divide
            when i.entity_id is null or i.{{ kind }}_intensity_tco2e_per_10k_{{ cur }} is null
                then coalesce(i.{{ kind }}_intensity_missing_reason, 'no_intensity_data')
            else i.{{ kind }}_intensity_missing_reason
        end as {{ kind }}_intensity_missing_reason,
        {%- endfor %}
        p.neutrality_year,
        p.neutrality_scopes,
        p.gross_t,
        p.credits_retired_t,
        p.allowances_cancelled_t,
        p.removals_t,
        p.net_t,
        p.is_neutral,
        p.is_ets_covered,
        p.ets_covered_emissions_t,
        p.allowances_allocated_t,
        p.allowances_purchased_t,
        p.allowances_sold_t,
        p.allowances_surrendered_t,
        p.ets_surplus_t,
        p.ets_deficit_t,
        p.ets_price_per_t as ets_price_{{ cur }}_per_t,
        p.ets_cost_exposure as ets_cost_exposure_{{ cur }},
        nullif(concat_ws(', ',
            case
                when p.entity_id is null and k.is_outside_primary_boundary then 'outside_primary_boundary'
                when p.entity_id is null then 'no_position_data'
            end,
            case when p.entity_id is not null and p.neutrality_year is null then 'no_neutrality_year' end
        ), '') as carbon_position_missing_reason,
        '{{ currency }}' as reporting_currency,
        '{{ var("gwp_set") }}' as gwp_set
    from keyed as k
    left join totals as t
        on t.reporting_year = k.reporting_year
        and t.entity_id = k.entity_id
        and t.is_group_total = k.is_group_total
    left join financial_intensity as i
        on i.reporting_year = k.reporting_year
        and i.entity_id = k.entity_id
        and i.is_group_total = k.is_group_total
    left join carbon_position as p
        on p.reporting_year = k.reporting_year
        and p.entity_id = k.entity_id
        and p.is_group_total = k.is_group_total
    left join entities as e
        on e.entity_id = k.entity_id

)

-- KPIs of the reporting years only (docs/methods.md M-PER-01)
select * from final
where {{ in_reporting_years('reporting_year') }}
