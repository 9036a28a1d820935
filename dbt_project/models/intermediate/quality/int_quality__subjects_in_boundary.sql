-- Who is expected to report, and when (T/CAS 612 4.3, 6.8): every facility and
-- entity with the months in which it is inside the organisational boundary.
-- An entity is in the boundary while it is reachable from the group root with
-- a weight above zero under at least one consolidation approach, within its
-- window in the group; a facility also while it is open. One row per
-- facility (subject_type 'facility') or entity ('entity'), keyed
-- 'facility:<id>' / 'entity:<id>', with the first and last month of that
-- window (null = unbounded).
with

entities as (

    select * from {{ ref('stg_erp__entities') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

facilities as (

    select * from {{ ref('stg_erp__facilities') }}

),

entity_windows as (

    select
        e.entity_id,
        w.entity_id is not null
            and greatest(w.weight_equity_share, w.weight_financial_control, w.weight_operational_control) > 0
            as is_in_boundary,
        cast(date_trunc('month', w.in_group_from_date) as date) as first_month,
        cast(date_trunc('month', w.in_group_to_date) as date) as last_month
    from entities as e
    left join weights as w
        on w.entity_id = e.entity_id

),

facility_windows as (

    select
        f.facility_id,
        f.entity_id,
        coalesce(e.is_in_boundary, false) as is_in_boundary,
        -- the later of the month the facility opened and the month its owner joined
        case
            when f.opened_date is null then e.first_month
            when e.first_month is null then cast(date_trunc('month', f.opened_date) as date)
            else greatest(e.first_month, cast(date_trunc('month', f.opened_date) as date))
        end as first_month,
        case
            when f.closed_date is null then e.last_month
            when e.last_month is null then cast(date_trunc('month', f.closed_date) as date)
            else least(e.last_month, cast(date_trunc('month', f.closed_date) as date))
        end as last_month
    from facilities as f
    left join entity_windows as e
        on e.entity_id = f.entity_id

),

final as (

    select
        'facility:' || facility_id as subject_key,
        'facility' as subject_type,
        facility_id,
        entity_id,
        is_in_boundary,
        first_month,
        last_month
    from facility_windows
    union all
    select 'entity:' || entity_id, 'entity', null, entity_id, is_in_boundary, first_month, last_month
    from entity_windows

)

select * from final
