-- Revenue and output-value denominators per entity (docs/methods.md M-INT-01;
-- T/CAS 612 6.4), one row per reporting year x entity x denominator kind
-- (revenue, output_value): the int_intensity__denominators rows of the
-- entity, already in 10^4 of the reporting currency, summed for the entity's
-- time in the group (denominator_quantity x in_group_fraction), and what
-- stops the sum from being complete:
--   rows_in_group     rows inside the entity's time in the group
--   rows_weighted     rows the group total counts (in the group, weight > 0
--                     under var('consolidation'))
--   unconverted_rows  rows in the group without a converted amount
--   missing_rates     'USD 2023, ...': currencies x years without an fx rate
-- A row that is not converted adds nothing to the sum; the ratio models turn
-- the counts into a missing_reason (int_intensity__entity_financial_ratios,
-- int_intensity__group_financial_ratios).
{% set approach = var('consolidation') %}
with

denominators as (

    select * from {{ ref('int_intensity__denominators') }}
    where denominator_kind in ('revenue', 'output_value')

),

final as (

    select
        reporting_year,
        entity_id,
        denominator_kind,
        {{ exact_sum("case when conversion_status = 'ready' then denominator_quantity * in_group_fraction end") }}
            as denominator,
        count(*) filter (where in_group_fraction > 0) as rows_in_group,
        count(*) filter (where in_group_fraction * entity_weight_{{ approach }} > 0) as rows_weighted,
        count(*) filter (where in_group_fraction > 0 and conversion_status <> 'ready') as unconverted_rows,
        string_agg(distinct case when in_group_fraction > 0 and conversion_status = 'no_fx_rate'
                                 then reported_unit || ' ' || reporting_year end, ', '
                   order by case when in_group_fraction > 0 and conversion_status = 'no_fx_rate'
                                 then reported_unit || ' ' || reporting_year end) as missing_rates
    from denominators
    group by all

)

select * from final
