-- Production intensities (docs/methods.md M-INT-01; T/CAS 612 6.4), before
-- the division: one row per reporting year x product x facility, per entity
-- (facility_id null) and per group (is_group_total, entity_id =
-- var('group_root')), with the denominator the product's quantity in its
-- canonical unit (int_intensity__denominators) and the numerator the
-- intensity-scope emissions of the facilities that report the product in the
-- year (int_intensity__numerators):
--   facility rows  the facility's own emissions and production for its
--                  entity's time in the group
--   entity rows    the sums of the entity's facility rows
--   group rows     emissions and production x the weight under
--                  var('consolidation'), only products made inside the
--                  consolidated boundary (weight > 0)
-- A facility making several products counts in full against each
-- (is_shared_numerator); there is no allocation between products. A sum of
-- zero or less gives missing_reason non_positive_denominator. fct_intensity
-- divides.
{% set approach = var('consolidation') %}
with

numerators as (

    select * from {{ ref('int_intensity__numerators') }}

),

denominators as (

    select * from {{ ref('int_intensity__denominators') }}

),

weights as (

    select entity_id, weight_{{ approach }} as consolidation_weight from {{ ref('int_entity_weights') }}

),

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
        {{ exact_sum('numerator_t') }} as numerator_t,
        {{ exact_sum('weighted_numerator_t') }} as weighted_numerator_t
    from numerators
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

)

select * from facility_production_rows
union all select * from entity_production_rows
union all select * from group_production_rows
