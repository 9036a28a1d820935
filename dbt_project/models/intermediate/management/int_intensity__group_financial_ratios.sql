-- Revenue and output-value intensities of the group (docs/methods.md
-- M-INT-01; T/CAS 612 6.4), before the division: one row per reporting year x
-- denominator kind (revenue, output_value), entity_id = var('group_root'),
-- is_group_total. Under the primary approach var('consolidation') the
-- numerator and the denominator are weighed alike (docs/decisions.md
-- "Intensities and targets"):
--   numerator_t   sum(co2e x weight), weight = the entity's approach weight x
--                 its time in the group, exactly as fct_emissions weighs
--                 emissions (int_intensity__numerators)
--   denominator   sum(revenue or output value x the same weight)
-- entities_missing_denominator lists the entities whose emissions are in the
-- group total but whose denominator is not. A denominator that cannot be
-- computed never becomes a zero: missing_reason (no_denominator, no_fx_rate,
-- no_currency, non_positive_denominator) and missing_detail say why.
-- fct_intensity divides.
{% set approach = var('consolidation') %}
with

numerators as (

    select * from {{ ref('int_intensity__numerators') }}

),

denominators as (

    select * from {{ ref('int_intensity__denominators') }}
    where denominator_kind in ('revenue', 'output_value')

),

entity_financials as (

    select * from {{ ref('int_intensity__financial_denominators') }}

),

financial_kinds as (

    select 'revenue' as denominator_kind
    union all select 'output_value'

),

group_numerators as (

    select
        reporting_year,
        {{ exact_sum('weighted_numerator_t') }} as numerator_t
    from numerators
    group by all

),

group_financials as (

    -- every row counts with its entity's weight x its time in the group
    select
        reporting_year,
        denominator_kind,
        {{ exact_sum("case when conversion_status = 'ready'
                           then denominator_quantity * in_group_fraction * entity_weight_" ~ approach ~ " end") }}
            as denominator,
        count(*) filter (where in_group_fraction * entity_weight_{{ approach }} > 0) as rows_weighted,
        count(*) filter (where in_group_fraction * entity_weight_{{ approach }} > 0
                           and conversion_status <> 'ready') as unconverted_rows_weighted,
        string_agg(distinct case when in_group_fraction * entity_weight_{{ approach }} > 0
                                  and conversion_status = 'no_fx_rate'
                                 then reported_unit || ' ' || reporting_year end, ', '
                   order by case when in_group_fraction * entity_weight_{{ approach }} > 0
                                  and conversion_status = 'no_fx_rate'
                                 then reported_unit || ' ' || reporting_year end) as missing_rates
    from denominators
    group by all

),

entity_weighted_numerators as (

    select
        reporting_year,
        entity_id,
        {{ exact_sum('weighted_numerator_t') }} as weighted_numerator_t
    from numerators
    where entity_id is not null
    group by all

),

entities_without_denominator as (

    -- entities whose emissions are in the group total but whose denominator is not
    select
        n.reporting_year,
        k.denominator_kind,
        string_agg(n.entity_id, ', ' order by n.entity_id) as entity_ids
    from entity_weighted_numerators as n
    cross join financial_kinds as k
    left join entity_financials as d
        on d.reporting_year = n.reporting_year
        and d.entity_id = n.entity_id
        and d.denominator_kind = k.denominator_kind
    where n.weighted_numerator_t <> 0
      and coalesce(d.rows_weighted, 0) = 0
    group by all

),

group_financial_keys as (

    select n.reporting_year, k.denominator_kind
    from group_numerators as n
    cross join financial_kinds as k

    union

    select reporting_year, denominator_kind
    from group_financials
    where rows_weighted > 0

),

final as (

    select
        k.reporting_year,
        '{{ var("group_root") }}' as entity_id,
        true as is_group_total,
        null::varchar as facility_id,
        k.denominator_kind,
        null::varchar as product,
        coalesce(n.numerator_t, 0) as numerator_t,
        {{ financial_missing_reason('d.rows_weighted', 'd.missing_rates', 'd.unconverted_rows_weighted', 'd.denominator') }} as missing_reason,
        {{ financial_missing_detail('d.rows_weighted', 'd.missing_rates', 'd.unconverted_rows_weighted', 'k.denominator_kind') }}
            as missing_detail,
        d.denominator,
        '10^4 {{ var("reporting_currency") | upper }}' as denominator_unit,
        null::double as consolidation_weight,
        false as is_shared_numerator,
        m.entity_ids as entities_missing_denominator
    from group_financial_keys as k
    left join group_numerators as n
        on n.reporting_year = k.reporting_year
    left join group_financials as d
        on d.reporting_year = k.reporting_year
        and d.denominator_kind = k.denominator_kind
    left join entities_without_denominator as m
        on m.reporting_year = k.reporting_year
        and m.denominator_kind = k.denominator_kind

)

select * from final
