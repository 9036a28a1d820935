-- The Scope 3 method mix (docs/methods.md M-S3-01): year x consolidation approach x
-- Scope 3 category x method, with the consolidated CO2e (sum of co2e x the
-- approach's weight, as rpt_group_inventory) and its share of the category
-- and of all Scope 3, the number of activity records, and the CO2e-weighted
-- mean data-quality score. Activities no method could estimate appear as
-- method 'unestimated' (co2e_t null, data-quality score 5) with their count,
-- when their entity is in the boundary under the approach.
with

emissions as (

    select * from {{ ref('fct_emissions') }}
    where scope = '3' and {{ in_reporting_years('reporting_year') }}

),

unestimated as (

    select * from {{ ref('fct_scope3_unestimated') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

estimated as (

    select
        e.reporting_year,
        a.consolidation_approach,
        e.scope3_category,
        e.iso_category,
        e.method,
        e.source_record_key,
        e.data_quality_score,
        e.co2e_t * case a.consolidation_approach
            when 'equity_share' then e.weight_equity_share
            when 'operational_control' then e.weight_operational_control
            else e.weight_financial_control end as weighted_co2e_t
    from emissions as e
    cross join approaches as a

),

estimated_mix as (

    select
        reporting_year,
        consolidation_approach,
        scope3_category,
        iso_category,
        method,
        {{ exact_sum('weighted_co2e_t') }} as co2e_t,
        count(distinct source_record_key) filter (where weighted_co2e_t <> 0) as activity_records,
        count(*) as emission_rows,
        {{ exact_sum('weighted_co2e_t * data_quality_score') }} as co2e_x_score
    from estimated
    group by all

),

unestimated_weighted as (

    select
        u.reporting_year,
        a.consolidation_approach,
        u.scope3_category,
        u.iso_category,
        u.activity_id,
        coalesce({{ membership_fraction('u.period_start', 'u.period_end', 'u.period_grain',
                                        'w.in_group_from_date', 'w.in_group_to_date') }}, 0)
            * case a.consolidation_approach
                when 'equity_share' then coalesce(w.weight_equity_share, 0)
                when 'operational_control' then coalesce(w.weight_operational_control, 0)
                else coalesce(w.weight_financial_control, 0) end as weight
    from unestimated as u
    cross join approaches as a
    left join weights as w
        on w.entity_id = u.entity_id

),

unestimated_mix as (

    select
        reporting_year,
        consolidation_approach,
        scope3_category,
        iso_category,
        'unestimated' as method,
        null::double as co2e_t,
        count(distinct activity_id) as activity_records,
        0 as emission_rows,
        null::double as co2e_x_score
    from unestimated_weighted
    where weight > 0
    group by all

),

combined as (

    select * from estimated_mix
    union all by name
    select * from unestimated_mix

),

final as (

    select
        cast(reporting_year as bigint) as reporting_year,
        consolidation_approach,
        cast(scope3_category as integer) as scope3_category,
        cast(iso_category as integer) as iso_category,
        method,
        co2e_t,
        -- shares over exact (order-independent) totals, like every mart sum
        co2e_t / nullif(cast(sum(cast(co2e_t as decimal(38, 12))) over (
            partition by reporting_year, consolidation_approach, scope3_category) as double), 0)
            as share_of_category,
        co2e_t / nullif(cast(sum(cast(co2e_t as decimal(38, 12))) over (
            partition by reporting_year, consolidation_approach) as double), 0)
            as share_of_scope3,
        cast(activity_records as bigint) as activity_records,
        cast(emission_rows as bigint) as emission_rows,
        case when method = 'unestimated' then 5.0
             when co2e_t <> 0 then co2e_x_score / co2e_t end as data_quality_score,
        '{{ var("gwp_set") }}' as gwp_set
    from combined

)

select * from final
