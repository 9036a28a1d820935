{#
    Factor selection and the choice of one candidate per activity for Scope 3 candidates
    (docs/methods.md M-S3-01, M-FAC-02): the SQL of int_scope3_candidates_factored__purchases and
    int_scope3_candidates_factored__activities, one table per branch so that one more month of
    readings (which changes category 3's activities only) leaves the purchase lines' table as it is;
    int_scope3_candidates_factored is the view of both. `candidates` is the branch's prepared
    candidates (int_scope3_purchases_prepared or int_scope3_activities_prepared: the same columns,
    unit_rank null for purchases). An activity's candidates all lie in one branch, so the choice per
    activity is the same as over both together.
    Factor selection for every Scope 3 candidate (docs/methods.md M-S3-01 and M-FAC-02), and the
    choice of one candidate per activity. One row per candidate, with its
    factor version (factor_is_custom, factor_region, factor_year_from,
    factor_year_to, factor_unit: the version's gases are joined to the chosen
    candidates only, in int_scope3_emission_lines, so a million spend lines
    with five gases each are not ranked as five million rows), and
      candidate_status  'ok' or why not: no_mapping, no_factor, no_factor_for_year,
                        no_factor_for_region, unit_mismatch, unknown_unit,
                        no_quantity, no_fx_rate, no_price_index, unknown_direction
      is_chosen         the candidate the activity's emission rows come from:
                        the lowest method_rank with a factor (supplier-specific
                        before average-data before spend-based), then a group
                        custom factor before a shipped one, then the lowest
                        key_rank (the documented key before bare aliases), then
                        the lowest unit_rank (the documented unit before another
                        unit the source row reaches: a custom factor per
                        passenger.km wins over a shipped one per vehicle.km)
    Factors come from the select_factors macro (custom before shipped, region,
    validity year, unit dimension). Spend-based candidates are then re-priced
    from the invoice year to the chosen factor's price year (its year_from) by
    the ratio of int_scope3__spend_price_index_pairs (factor currency, price
    year, invoice year). A factor without year_from, or with year_from = invoice
    year, is not re-priced; a pair without both indices -> no_price_index.
#}
{% macro scope3_factored_candidates(candidates) -%}
with

-- read where it is used (three times): the prepared table's scans are cheap, a shared copy of its wide
-- rows is not (at scale M it filled the memory limit and spilled to disk)
candidates as not materialized (

    select * from {{ candidates }}

),

registry as (

    select * from {{ ref('int_factor_registry') }}

),

price_index_pairs as (

    select * from {{ ref('int_scope3__spend_price_index_pairs') }}

),

to_select as (

    select
        candidate_id as activity_id,
        factor_key,
        activity_year,
        quantity,
        unit,
        region_code,
        country_code
    from candidates
    where candidate_status = 'ready'

),

factored as (

    {{ select_factors('to_select', per_gas=false) }}

),

-- the macro reports a key whose factors all belong to other regions as a unit
-- mismatch (no candidate survives its region filter): name it
region_refined as (

    select
        x.*,
        case
            when x.factor_status = 'unit_mismatch' and not exists (
                select 1 from registry as r
                where r.factor_key = s.factor_key
                  and (r.region_code is null or r.region_code = s.region_code or r.region_code = s.country_code)
            ) then 'no_factor_for_region'
            else x.factor_status
        end as refined_status
    from factored as x
    inner join to_select as s
        on s.activity_id = x.activity_id

),

repriced as (

    select
        c.candidate_id,
        case when c.method = 'spend_based' then x.factor_year_from end as price_year,
        case
            when c.method <> 'spend_based' then 1.0
            when x.factor_year_from is null or x.factor_year_from = c.invoice_year then 1.0
            else pi.price_index_ratio
        end as price_index_ratio,
        pi.price_index_price_year,
        pi.price_index_invoice_year
    from candidates as c
    inner join region_refined as x
        on x.activity_id = c.candidate_id
        and x.refined_status = 'ok'
    left join price_index_pairs as pi
        on c.method = 'spend_based'
        and pi.currency_code = c.spend_currency
        and pi.price_year = x.factor_year_from
        and pi.invoice_year = c.invoice_year

),

evaluated as (

    select
        c.*,
        x.factor_is_custom,
        x.factor_region,
        x.factor_year_from,
        x.factor_year_to,
        x.factor_unit,
        x.is_factor_year_fallback,
        x.factor_selection_reason,
        x.factor_verification_status,
        p.price_year,
        p.price_index_ratio,
        p.price_index_price_year,
        p.price_index_invoice_year,
        x.factor_unit_quantity * p.price_index_ratio as factor_unit_quantity,
        case
            when c.candidate_status <> 'ready' then c.candidate_status
            when x.refined_status <> 'ok' then x.refined_status
            when p.price_index_ratio is null then 'no_price_index'
            else 'ok'
        end as candidate_status_final
    from candidates as c
    left join region_refined as x
        on x.activity_id = c.candidate_id
    left join repriced as p
        on p.candidate_id = c.candidate_id

),

-- the first candidate of its activity in the order of the header, ranked over the few columns the
-- order needs (a window over the wide rows sorted every column: 6 s of 13 at scale M)
chosen_ids as (

    select candidate_id
    from evaluated
    where candidate_status_final = 'ok'
    qualify row_number() over (
        partition by activity_id
        order by method_rank, factor_is_custom desc nulls last, key_rank, coalesce(unit_rank, 1), candidate_id
    ) = 1

),

final as (

    select
        e.activity_id,
        e.candidate_id,
        method_rank,
        key_rank,
        coalesce(unit_rank, 1) as unit_rank,
        method,
        factor_key,
        activity_year,
        quantity as candidate_quantity,
        unit as candidate_unit,
        region_code,
        country_code,
        candidate_status_final as candidate_status,
        c.candidate_id is not null as is_chosen,
        factor_is_custom,
        factor_region,
        factor_year_from,
        factor_year_to,
        factor_unit,
        factor_unit_quantity,
        coalesce(is_factor_year_fallback, false) as is_factor_year_fallback,
        factor_selection_reason,
        factor_verification_status,
        case
            when method = 'supplier_specific' then case when factor_verification_status = 'verified' then 1 else 2 end
            else least(base_data_quality_score + case when is_factor_year_fallback then 1 else 0 end, 4)
        end as data_quality_score,
        spend_currency,
        invoice_year,
        fx_line_units_per_usd,
        fx_factor_units_per_usd,
        price_year,
        price_index_ratio,
        price_index_price_year,
        price_index_invoice_year,
        assumption_note,
        source_record_key,
        dataset_key,
        component,
        scope3_category,
        entity_id,
        facility_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        source_type,
        activity_code,
        reported_spend_amount,
        reported_currency_code,
        reported_quantity,
        reported_unit
    from evaluated as e
    left join chosen_ids as c
        on c.candidate_id = e.candidate_id

)

select * from final
{%- endmacro %}


{#
    Every computed Scope 3 emission of one branch, one row per activity x gas: the SQL of
    int_scope3_emission_lines__purchases (candidates: int_scope3_candidates_factored__purchases) and
    int_scope3_emission_lines__activities (int_scope3_candidates_factored__activities, and the
    investments of category 15: `investments` = int_scope3_investments_apportioned);
    int_scope3_emission_lines is the view of both.
    Every computed Scope 3 emission (docs/methods.md "Scope 3"), one row per activity x gas,
    in exactly the column set of the branches of int_emission_lines (which
    unions it): scope '3', scope3_category set, the method the activity's best
    candidate used (supplier_specific, average_data, spend_based,
    distance_based, waste_type_specific, investment_specific), the factor
    (dim_emission_factors.factor_id) and why it was chosen, and a data-quality
    score (1 verified supplier data ... 4 spend-based or assumed; 5 is
    unestimated and lives in int_scope3_unestimated). Activities reported per
    entity carry entity_id and no facility; fct_emissions takes
    coalesce(entity_id, the facility's entity).
    CH4 of DESNZ transport, travel and electricity factors (every edition) is
    fossil (CH4_FOSSIL under AR6); other gases take their own GWP (the EPA
    supply-chain CH4, of mixed origin, the generic CH4 GWP).
#}
{% macro scope3_emission_lines(candidates, investments=none) -%}
with

-- why the factor, written once per activity (a million at scale M), before
-- the activity becomes one line per gas of its factor: materialized, or DuckDB
-- would write the sentence after the join, on each of 3.5 M lines (8 s -> 4 s)
chosen_candidates as materialized (

    select
        *,
        concat_ws('; ',
            method || ' (' || factor_key || ')',
            -- a supplier footprint is neither the group's custom factor nor a shipped one
            case when method = 'supplier_specific'
                 then replace(factor_selection_reason, 'shipped factor',
                              'supplier footprint, ' || coalesce(factor_verification_status, 'unverified'))
                 else factor_selection_reason end,
            case when method = 'spend_based' then
                'spend ' || reported_spend_amount || ' ' || reported_currency_code
                || case when reported_currency_code <> spend_currency
                        then ' -> ' || spend_currency || ' at ' || fx_line_units_per_usd || ' and '
                             || fx_factor_units_per_usd || ' units/USD (' || invoice_year || ')'
                        else '' end
                || case when price_index_ratio <> 1.0
                        then '; re-priced ' || invoice_year || ' -> ' || price_year || ' x '
                             || price_index_price_year || '/' || price_index_invoice_year
                        else '' end
            end,
            assumption_note
        ) as line_reason
    from {{ candidates }}
    where is_chosen

),

registry as (

    select * from {{ ref('int_factor_registry') }}

),

-- the chosen candidate's factor version, one row per gas
chosen as (

    select
        c.*,
        r.gas,
        r.factor_id,
        c.factor_unit_quantity * r.t_per_unit as gas_mass_t
    from chosen_candidates as c
    inner join registry as r
        on {{ join_factor_gases('c', 'r') }}

),

{%- if investments %}

investments as (

    select * from {{ investments }}
    where calc_status = 'ok'

),

{%- endif %}

factored_lines as (

    select
        source_record_key,
        facility_id,
        entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '3' as scope,
        null::varchar as scope2_method,
        scope3_category,
        source_type,
        activity_code,
        gas,
        case when gas = 'CH4' and starts_with(factor_id, 'desnz_') then 'CH4_FOSSIL' else gas end as gwp_gas_key,
        gas_mass_t,
        false as is_biogenic,
        method,
        factor_id,
        line_reason as factor_selection_reason,
        factor_unit_quantity as activity_quantity,
        factor_unit as activity_unit,
        is_factor_year_fallback,
        data_quality_score
    from chosen

),

{%- if investments %}

investment_lines as (

    select
        source_record_key,
        null::varchar as facility_id,
        investor_entity_id as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '3' as scope,
        null::varchar as scope2_method,
        15 as scope3_category,
        'investment' as source_type,
        investee_id as activity_code,
        'CO2e' as gas,
        'CO2e' as gwp_gas_key,
        apportioned_t as gas_mass_t,
        false as is_biogenic,
        'investment_specific' as method,
        'carbon_ledger:investee_reported_scope12' as factor_id,
        'investment_specific: investee-reported Scope 1 ' || coalesce(cast(investee_scope1_t as varchar), '-')
            || ' t + Scope 2 ' || coalesce(cast(investee_scope2_t as varchar), '-') || ' t x equity '
            || equity_pct || ' %; weighs 0 under any approach that consolidates the investee'
            as factor_selection_reason,
        apportioned_t as activity_quantity,
        't' as activity_unit,
        false as is_factor_year_fallback,
        2 as data_quality_score
    from investments

),

{%- endif %}

final as (

    select * from factored_lines
    {%- if investments %}
    union all by name
    select * from investment_lines
    {%- endif %}

)

select
    source_record_key,
    facility_id,
    entity_id,
    cast(reporting_year as bigint) as reporting_year,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    period_grain,
    scope,
    scope2_method,
    cast(scope3_category as integer) as scope3_category,
    source_type,
    activity_code,
    gas,
    gwp_gas_key,
    cast(gas_mass_t as double) as gas_mass_t,
    is_biogenic,
    method,
    factor_id,
    factor_selection_reason,
    cast(activity_quantity as double) as activity_quantity,
    activity_unit,
    is_factor_year_fallback,
    cast(data_quality_score as integer) as data_quality_score
from final
{%- endmacro %}
