-- Emission intensities (METHODS.md 8; T/CAS 612 6.4): entity x year x
-- denominator, and the group total of each year and denominator.
--   intensity = numerator_t / denominator
--   numerator_t   the scopes of var('intensity_scopes') (carbon.yml
--                 intensity.scopes; default Scope 1 + Scope 2 location-based)
--                 from fct_emissions, biogenic CO2 excluded;
--   denominator   revenue or output value in 10^4 of the reporting currency
--                 (tCO2e/万元), or production of one product in its canonical
--                 unit (int_intensity__denominators).
-- Weighting (docs/decisions.md "Intensities and targets"):
--   group rows   (is_group_total) under the primary approach var('consolidation'):
--                sum(co2e x weight) / sum(denominator x the same weight), where
--                weight = the entity's approach weight x its time in the group,
--                exactly as fct_emissions weighs emissions;
--   entity rows  the entity's own (100 %) emissions / its own denominator, both
--                counted only for its time in the group (in_group_fraction);
--                consolidation_weight shows what the group total takes of it.
-- Production intensities use the emissions of the facilities that report the
-- product in the year (per facility, per entity, per group); a facility making
-- several products counts in full against each (is_shared_numerator), there is
-- no allocation between products.
-- A denominator that cannot be computed never becomes a zero: the row stays,
-- with intensity null and missing_reason (no_denominator, no_fx_rate,
-- no_currency, non_positive_denominator) and missing_detail.
{% set approach = var('consolidation', 'operational_control') %}
{% set scopes = var('intensity_scopes', ['1', '2-location']) %}
with

emissions as (

    select * from {{ ref('fct_emissions') }}

),

denominators as (

    select * from {{ ref('int_intensity__denominators') }}

),

weights as (

    select entity_id, weight_{{ approach }} as consolidation_weight from {{ ref('int_entity_weights') }}

),

financial_kinds as (

    select 'revenue' as denominator_kind
    union all select 'output_value'

),

scoped_emissions as (

    select
        reporting_year,
        entity_id,
        facility_id,
        co2e_t,
        in_group_fraction,
        weight_{{ approach }} as group_weight
    from emissions
    where scope <> 'biogenic'
      and {{ scope_labels_filter(scopes, setting='intensity.scopes') }}

),

-- ---------------------------------------------------------------- revenue, output value

entity_numerators as (

    select
        reporting_year,
        entity_id,
        {{ exact_sum('co2e_t * in_group_fraction') }} as numerator_t,
        {{ exact_sum('co2e_t * group_weight') }} as weighted_numerator_t,
        count(*) filter (where in_group_fraction > 0) as emission_rows_in_group
    from scoped_emissions
    where entity_id is not null
    group by all

),

entity_financials as (

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
    where denominator_kind in ('revenue', 'output_value')
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

entity_financial_rows as (

    select
        k.reporting_year,
        k.entity_id,
        false as is_group_total,
        null::varchar as facility_id,
        k.denominator_kind,
        null::varchar as product,
        coalesce(n.numerator_t, 0) as numerator_t,
        case
            when coalesce(d.rows_in_group, 0) = 0 then 'no_denominator'
            when d.missing_rates is not null then 'no_fx_rate'
            when d.unconverted_rows > 0 then 'no_currency'
            when d.denominator <= 0 then 'non_positive_denominator'
        end as missing_reason,
        case
            when coalesce(d.rows_in_group, 0) = 0 then 'no ' || k.denominator_kind || ' in erp/financials'
            when d.missing_rates is not null then 'no fx rate for ' || d.missing_rates
            when d.unconverted_rows > 0 then 'financial rows without a currency'
        end as missing_detail,
        d.denominator,
        '10^4 {{ var("reporting_currency", "CNY") | upper }}' as denominator_unit,
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

),

group_numerators as (

    select
        reporting_year,
        {{ exact_sum('co2e_t * group_weight') }} as numerator_t
    from scoped_emissions
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
    where denominator_kind in ('revenue', 'output_value')
    group by all

),

entities_without_denominator as (

    -- entities whose emissions are in the group total but whose denominator is not
    select
        n.reporting_year,
        k.denominator_kind,
        string_agg(n.entity_id, ', ' order by n.entity_id) as entity_ids
    from entity_numerators as n
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

group_financial_rows as (

    select
        k.reporting_year,
        '{{ var("group_root") }}' as entity_id,
        true as is_group_total,
        null::varchar as facility_id,
        k.denominator_kind,
        null::varchar as product,
        coalesce(n.numerator_t, 0) as numerator_t,
        case
            when coalesce(d.rows_weighted, 0) = 0 then 'no_denominator'
            when d.missing_rates is not null then 'no_fx_rate'
            when d.unconverted_rows_weighted > 0 then 'no_currency'
            when d.denominator <= 0 then 'non_positive_denominator'
        end as missing_reason,
        case
            when coalesce(d.rows_weighted, 0) = 0 then 'no ' || k.denominator_kind || ' in erp/financials'
            when d.missing_rates is not null then 'no fx rate for ' || d.missing_rates
            when d.unconverted_rows_weighted > 0 then 'financial rows without a currency'
        end as missing_detail,
        d.denominator,
        '10^4 {{ var("reporting_currency", "CNY") | upper }}' as denominator_unit,
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

),

-- ---------------------------------------------------------------- production

facility_products as (

    select
        reporting_year,
        entity_id,
        facility_id,
        product,
        denominator_unit,
        {{ exact_sum('denominator_quantity * in_group_fraction') }} as denominator,
        {{ exact_sum('denominator_quantity * in_group_fraction * entity_weight_' ~ approach) }}
            as weighted_denominator,
        count(*) filter (where entity_weight_{{ approach }} > 0) as rows_weighted
    from denominators
    where denominator_kind = 'production'
      and conversion_status = 'ready'
      and in_group_fraction > 0
    group by all

),

facility_product_counts as (

    select reporting_year, facility_id, count(*) as products_at_facility
    from facility_products
    group by all

),

facility_numerators as (

    select
        reporting_year,
        facility_id,
        {{ exact_sum('co2e_t * in_group_fraction') }} as numerator_t,
        {{ exact_sum('co2e_t * group_weight') }} as weighted_numerator_t
    from scoped_emissions
    where facility_id is not null
    group by all

),

facility_production as (

    select
        p.*,
        coalesce(n.numerator_t, 0) as numerator_t,
        coalesce(n.weighted_numerator_t, 0) as weighted_numerator_t,
        c.products_at_facility > 1 as is_shared_numerator
    from facility_products as p
    inner join facility_product_counts as c
        on c.reporting_year = p.reporting_year
        and c.facility_id = p.facility_id
    left join facility_numerators as n
        on n.reporting_year = p.reporting_year
        and n.facility_id = p.facility_id

),

facility_production_rows as (

    select
        p.reporting_year,
        p.entity_id,
        false as is_group_total,
        p.facility_id,
        'production' as denominator_kind,
        p.product,
        p.numerator_t,
        case when p.denominator <= 0 then 'non_positive_denominator' end as missing_reason,
        null::varchar as missing_detail,
        p.denominator,
        p.denominator_unit,
        w.consolidation_weight,
        p.is_shared_numerator,
        null::varchar as entities_missing_denominator
    from facility_production as p
    inner join weights as w
        on w.entity_id = p.entity_id

),

entity_production_rows as (

    select
        p.reporting_year,
        p.entity_id,
        false as is_group_total,
        null::varchar as facility_id,
        'production' as denominator_kind,
        p.product,
        {{ exact_sum('p.numerator_t') }} as numerator_t,
        case when {{ exact_sum('p.denominator') }} <= 0 then 'non_positive_denominator' end as missing_reason,
        null::varchar as missing_detail,
        {{ exact_sum('p.denominator') }} as denominator,
        p.denominator_unit,
        any_value(w.consolidation_weight) as consolidation_weight,
        bool_or(p.is_shared_numerator) as is_shared_numerator,
        null::varchar as entities_missing_denominator
    from facility_production as p
    inner join weights as w
        on w.entity_id = p.entity_id
    group by p.reporting_year, p.entity_id, p.product, p.denominator_unit

),

group_production_rows as (

    -- only products made inside the consolidated boundary (weight > 0)
    select
        reporting_year,
        '{{ var("group_root") }}' as entity_id,
        true as is_group_total,
        null::varchar as facility_id,
        'production' as denominator_kind,
        product,
        {{ exact_sum('weighted_numerator_t') }} as numerator_t,
        case when {{ exact_sum('weighted_denominator') }} <= 0 then 'non_positive_denominator' end
            as missing_reason,
        null::varchar as missing_detail,
        {{ exact_sum('weighted_denominator') }} as denominator,
        denominator_unit,
        null::double as consolidation_weight,
        bool_or(is_shared_numerator and rows_weighted > 0) as is_shared_numerator,
        null::varchar as entities_missing_denominator
    from facility_production
    group by reporting_year, product, denominator_unit
    having sum(rows_weighted) > 0

),

unioned as (

    select * from entity_financial_rows
    union all select * from group_financial_rows
    union all select * from facility_production_rows
    union all select * from entity_production_rows
    union all select * from group_production_rows

),

final as (

    select
        md5(concat_ws('|', reporting_year, entity_id, is_group_total, coalesce(facility_id, ''),
                      denominator_kind, coalesce(product, ''), denominator_unit)) as intensity_id,
        reporting_year::bigint as reporting_year,
        '{{ approach }}' as consolidation_approach,
        entity_id,
        is_group_total,
        facility_id,
        denominator_kind,
        product,
        '{{ scopes | join(",") }}' as numerator_scopes,
        numerator_t,
        -- a denominator with unconverted rows would be partial: not shown
        case when missing_reason in ('no_fx_rate', 'no_currency') then null else denominator end as denominator,
        denominator_unit,
        case when missing_reason is null then numerator_t / denominator end as intensity,
        'tCO2e/' || denominator_unit as intensity_unit,
        missing_reason,
        missing_detail,
        consolidation_weight,
        is_shared_numerator,
        entities_missing_denominator,
        '{{ var("gwp_set", "AR6") }}' as gwp_set
    from unioned

)

-- intensities of the reporting years only (METHODS.md 0)
select * from final
where {{ in_reporting_years('reporting_year') }}
