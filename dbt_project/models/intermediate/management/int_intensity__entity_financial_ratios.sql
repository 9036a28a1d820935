-- Revenue and output-value intensities of each entity (docs/methods.md
-- M-INT-01; T/CAS 612 6.4), before the division: one row per reporting year x
-- entity x denominator kind (revenue, output_value), with
--   numerator_t   the entity's own (100 %) emissions of the intensity scopes
--                 for its time in the group (int_intensity__numerators)
--   denominator   its revenue or output value for the same time, 10^4 of the
--                 reporting currency (int_intensity__financial_denominators)
-- consolidation_weight shows what the group total takes of it
-- (docs/decisions.md "Intensities and targets"). An entity-year has rows when
-- it has emissions or financials inside its time in the group; a denominator
-- that cannot be computed never becomes a zero: missing_reason
-- (no_denominator, no_fx_rate, no_currency, non_positive_denominator) and
-- missing_detail say why. fct_intensity divides.
{% set approach = var('consolidation') %}
with

numerators as (

    select * from {{ ref('int_intensity__numerators') }}

),

entity_financials as (

    select * from {{ ref('int_intensity__financial_denominators') }}

),

weights as (

    select entity_id, weight_{{ approach }} as consolidation_weight from {{ ref('int_entity_weights') }}

),

financial_kinds as (

    select 'revenue' as denominator_kind
    union all select 'output_value'

),

entity_numerators as (

    select
        reporting_year,
        entity_id,
        {{ exact_sum('numerator_t') }} as numerator_t,
        sum(emission_rows_in_group) as emission_rows_in_group
    from numerators
    where entity_id is not null
    group by all

),

entity_financial_keys as (

    -- an entity-year has rows when it has emissions or financials inside its
    -- time in the group
    select n.reporting_year, n.entity_id, k.denominator_kind
    from entity_numerators as n
    cross join financial_kinds as k
    where n.emission_rows_in_group > 0

    union

    select reporting_year, entity_id, denominator_kind
    from entity_financials
    where rows_in_group > 0

),

final as (

    select
        k.reporting_year,
        k.entity_id,
        false as is_group_total,
        null::varchar as facility_id,
        k.denominator_kind,
        null::varchar as product,
        coalesce(n.numerator_t, 0) as numerator_t,
        {{ financial_missing_reason('d.rows_in_group', 'd.missing_rates', 'd.unconverted_rows', 'd.denominator') }} as missing_reason,
        {{ financial_missing_detail('d.rows_in_group', 'd.missing_rates', 'd.unconverted_rows', 'k.denominator_kind') }}
            as missing_detail,
        d.denominator,
        '10^4 {{ var("reporting_currency") | upper }}' as denominator_unit,
        w.consolidation_weight,
        false as is_shared_numerator,
        null::varchar as entities_missing_denominator
    from entity_financial_keys as k
    inner join weights as w
        on w.entity_id = k.entity_id
    left join entity_numerators as n
        on n.reporting_year = k.reporting_year
        and n.entity_id = k.entity_id
    left join entity_financials as d
        on d.reporting_year = k.reporting_year
        and d.entity_id = k.entity_id
        and d.denominator_kind = k.denominator_kind
    -- an entity outside the primary boundary (weight 0) is shown only when it
    -- reports the denominator: its missing revenue is nobody's gap
    where w.consolidation_weight > 0
       or coalesce(d.rows_in_group, 0) > 0

)

select * from final
