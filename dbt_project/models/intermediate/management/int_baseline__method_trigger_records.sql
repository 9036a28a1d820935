-- The base-year records of a changed method or factor, repriced (docs/methods.md
-- M-BASE-03; GHG Protocol Corporate Standard ch. 5; T/CAS 612 6.5): the steps of
-- int_baseline__method_triggers before the boundary. A stream is one scope x
-- Scope 2 method x Scope 3 category x source type x entity x facility x supplier
-- x activity; it changed when its current-year figure uses a method or factor
-- source its base-year figure did not (factor_published, supplier_specific_data,
-- factor_edition: see int_baseline__method_triggers). Each base-year record of
-- the stream under its old method gets the new method's factor per unit of the
-- first year after the base year in which the stream used it (emissions /
-- activity per gas, summed over gases); recalculated_t is null when the new
-- method never priced the record's unit. Grain: base year x stream x old method
-- and family x new method and family x base-year record x activity unit, with
-- its trigger_id and chain weights. A view, read by int_baseline__method_triggers
-- only: it is computed inside that model's query, never stored.
{{ config(materialized='view') }}
{% set base_years = var('base_years') %}
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}
    where scope in ('1', '2', '3')
      and reporting_year >= {{ base_years | min }}

),

purchases as (

    select source_record_key, supplier_id from {{ ref('stg_procurement__purchases') }}

),

current_year as (

    -- the last reporting year (int_reporting_years, docs/methods.md M-PER-01)
    select {{ current_reporting_year() }} as current_year

),

streams as (

    -- only the columns the steps below read: DuckDB keeps this step's rows (one per emission line
    -- since the base year, millions at scale) for the three steps that read it
    select
        e.reporting_year, e.method, e.source_record_key, e.entity_id, e.scope, e.scope2_method,
        e.scope3_category, e.source_type, e.activity_unit, e.activity_quantity, e.gas, e.co2e_t,
        e.chain_weight_equity_share, e.chain_weight_operational_control, e.chain_weight_financial_control,
        p.supplier_id,
        concat_ws('|', e.scope, coalesce(e.scope2_method, '-'), coalesce(e.scope3_category::varchar, '-'),
                  e.source_type, e.entity_id, coalesce(e.facility_id, '-'), coalesce(p.supplier_id, '-'),
                  e.activity_code) as stream_key,
        regexp_extract(e.factor_id, '^([^:/]+)', 1) as factor_family
    from emissions as e
    left join purchases as p
        on p.source_record_key = e.source_record_key
        and e.source_type in ('purchased_goods_and_services', 'capital_goods')

),

signatures as (

    -- what each stream used each year
    select distinct reporting_year, stream_key, method, factor_family
    from streams

),

changes as (

    select
        b.reporting_year as base_year,
        b.stream_key,
        b.method as old_method,
        b.factor_family as old_family,
        n.method as new_method,
        n.factor_family as new_family,
        case
            when n.method = 'supplier_specific' and b.method in ('average_data', 'spend_based')
                then 'supplier_specific_data'
            when b.method like '%fallback%' and n.method = 'market_residual_mix'
                then 'factor_published'
            when n.method = b.method and n.factor_family <> b.factor_family
                then 'factor_edition'
        end as trigger_type
    from signatures as b
    cross join current_year as c
    inner join signatures as n
        on n.stream_key = b.stream_key
        and n.reporting_year = c.current_year
    where b.reporting_year in ({{ base_years | join(', ') }})
      and b.reporting_year < c.current_year
      -- the new method or source is not used for the stream in the base year
      and not exists (
          select 1 from signatures as x
          where x.reporting_year = b.reporting_year
            and x.stream_key = b.stream_key
            and x.method = n.method
            and x.factor_family = n.factor_family
      )

),

triggered as (

    select * from changes where trigger_type is not null

),

first_new_year as (

    -- the year nearest to the base year in which the stream used the new method
    select t.base_year, t.stream_key, t.new_method, t.new_family, min(s.reporting_year) as new_year
    from triggered as t
    inner join signatures as s
        on s.stream_key = t.stream_key
        and s.method = t.new_method
        and s.factor_family = t.new_family
        and s.reporting_year > t.base_year
    group by all

),

new_factors as (

    -- the new method's factor per unit of activity: per gas, summed over gases (sums ordered by value:
    -- the same figure whatever order the rows arrive in, e.g. from files or from a database)
    select base_year, stream_key, new_method, new_family, new_year, activity_unit,
           sum(co2e_per_unit order by co2e_per_unit) as co2e_t_per_unit
    from (
        select f.base_year, f.stream_key, f.new_method, f.new_family, f.new_year, s.activity_unit, s.gas,
               {{ exact_sum('s.co2e_t') }}
                   / nullif(sum(s.activity_quantity order by s.activity_quantity), 0) as co2e_per_unit
        from first_new_year as f
        inner join streams as s
            on s.stream_key = f.stream_key
            and s.reporting_year = f.new_year
            and s.method = f.new_method
            and s.factor_family = f.new_family
        group by all
    )
    group by all
    having bool_and(co2e_per_unit is not null)

),

base_records as (

    -- the base-year records of a changed stream under its old method
    select
        t.base_year,
        t.stream_key,
        t.trigger_type,
        t.old_method,
        t.old_family,
        t.new_method,
        t.new_family,
        s.source_record_key,
        s.entity_id,
        s.supplier_id,
        s.scope,
        s.scope2_method,
        s.scope3_category,
        s.source_type,
        s.activity_unit,
        max(s.activity_quantity) as activity_quantity,
        {{ exact_sum('s.co2e_t') }} as original_t,
        any_value(s.chain_weight_equity_share) as chain_weight_equity_share,
        any_value(s.chain_weight_operational_control) as chain_weight_operational_control,
        any_value(s.chain_weight_financial_control) as chain_weight_financial_control
    from triggered as t
    inner join streams as s
        on s.stream_key = t.stream_key
        and s.reporting_year = t.base_year
        and s.method = t.old_method
        and s.factor_family = t.old_family
    group by all

),

recalculated as (

    select
        r.*,
        y.new_year as first_new_year,
        f.co2e_t_per_unit as new_co2e_t_per_unit,
        r.activity_quantity * f.co2e_t_per_unit as recalculated_t
    from base_records as r
    inner join first_new_year as y
        on y.base_year = r.base_year
        and y.stream_key = r.stream_key
        and y.new_method = r.new_method
        and y.new_family = r.new_family
    left join new_factors as f
        on f.base_year = r.base_year
        and f.stream_key = r.stream_key
        and f.new_method = r.new_method
        and f.new_family = r.new_family
        and f.activity_unit = r.activity_unit

),

grouped as (

    -- one trigger per kind and what it changed: a supplier, or a source type
    -- of a scope (and category) moving between two factor sources
    select
        *,
        case trigger_type
            when 'supplier_specific_data' then trigger_type || ':' || supplier_id
            else trigger_type || ':' || concat_ws(':', 'scope' || scope, scope2_method,
                                                  'cat' || scope3_category::varchar, source_type)
                 || ':' || old_family || '>' || new_family
        end as trigger_id
    from recalculated

)

select * from grouped
