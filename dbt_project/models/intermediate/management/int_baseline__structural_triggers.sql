-- Structural changes that trigger a base-year recalculation (docs/methods.md M-BASE-02;
-- GHG Protocol Corporate Standard ch. 5): an entity whose membership of the
-- group differs between the base year and today's boundary.
--   acquisition: in the group at the end of the current year, not (or not
--                for the whole year) in the base year;
--   divestment:  in the group during the base year, out of it today.
-- Organic growth or decline and facilities opening or closing inside an
-- entity never change membership, so they never appear here.
-- Each trigger is checked for base-year activity data: an entity that has
-- none is a finding ('missing_base_year_data'), unless every facility it has
-- opened after the base year (it had no operations to recalculate).
-- Grain: trigger (entity) x base year.
{% set base_years = var('base_years') %}
with

weights as (

    select * from {{ ref('int_entity_weights') }}

),

entities as (

    select entity_id, entity_name from {{ ref('stg_erp__entities') }}

),

facilities as (

    select * from {{ ref('stg_erp__facilities') }}

),

entity_years as (

    select * from {{ ref('int_baseline__entity_base_years') }}

),

current_year as (

    -- the last reporting year (int_reporting_years, docs/methods.md M-PER-01)
    select {{ current_reporting_year() }} as current_year

),

base_years as (

    {% for y in base_years %}
    select {{ y }}::bigint as base_year{% if not loop.last %} union all{% endif %}
    {% endfor %}

),

memberships as (

    select
        w.entity_id,
        b.base_year,
        c.current_year,
        w.in_group_from_date,
        w.in_group_to_date,
        greatest(w.weight_equity_share, w.weight_operational_control, w.weight_financial_control) as max_weight,
        -- share of the base year's days inside the entity's window (annual data:
        -- pro-rated by days, docs/methods.md M-BND-02)
        {{ membership_fraction('make_date(b.base_year::int, 1, 1)', 'make_date(b.base_year::int, 12, 31)', "'year'",
                               'w.in_group_from_date', 'w.in_group_to_date') }} as base_year_membership,
        {{ in_group_at_year_end('w.in_group_from_date', 'w.in_group_to_date', 'c.current_year') }} as current_membership
    from weights as w
    cross join base_years as b
    cross join current_year as c

),

triggers as (

    select
        *,
        case
            when current_membership = 1 and base_year_membership < 1 then 'acquisition'
            when current_membership = 0 and base_year_membership > 0 then 'divestment'
        end as trigger_type
    from memberships
    where max_weight > 0
      and base_year < current_year

),

base_year_data as (

    select base_year, entity_id, sum(emission_rows) as emission_rows
    from entity_years
    group by all

),

facility_openings as (

    -- true when every facility of the entity opened after the base year
    select
        f.entity_id,
        b.base_year,
        bool_and(f.opened_date is not null
                 and f.opened_date > make_date(b.base_year::int, 12, 31)) as all_opened_after_base_year
    from facilities as f
    cross join base_years as b
    group by all

),

final as (

    select
        t.trigger_type || ':' || t.entity_id as trigger_id,
        t.trigger_type,
        t.entity_id,
        e.entity_name,
        case t.trigger_type
            when 'acquisition' then t.in_group_from_date
            else t.in_group_to_date + interval 1 day
        end::date as event_date,
        t.base_year,
        t.current_year,
        t.base_year_membership,
        t.current_membership,
        coalesce(d.emission_rows, 0) as base_year_emission_rows,
        case
            when coalesce(d.emission_rows, 0) > 0 then 'recalculated'
            when o.all_opened_after_base_year then 'no_base_year_operations'
            else 'missing_base_year_data'
        end as trigger_status
    from triggers as t
    left join entities as e
        on e.entity_id = t.entity_id
    left join base_year_data as d
        on d.entity_id = t.entity_id
        and d.base_year = t.base_year
    left join facility_openings as o
        on o.entity_id = t.entity_id
        and o.base_year = t.base_year
    where t.trigger_type is not null

)

select * from final
