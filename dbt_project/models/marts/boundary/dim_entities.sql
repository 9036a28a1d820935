-- The organisational boundary (T/CAS 612 4.3; docs/methods.md M-BND-01): every entity of
-- erp/entities with its weight under each consolidation approach and its
-- window in the group. Entities not reachable from the group root weigh 0.
with

entities as (

    select * from {{ ref('stg_erp__entities') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

final as (

    select
        e.entity_id,
        e.entity_name,
        e.parent_entity_id,
        e.relationship,
        e.equity_pct,
        e.financial_control,
        e.is_operational_control,
        e.valid_from_date,
        e.valid_to_date,
        w.in_group_from_date,
        w.in_group_to_date,
        w.depth,
        w.ownership_chain,
        w.entity_id is not null as is_reachable_from_root,
        coalesce(w.weight_equity_share, 0) as weight_equity_share,
        coalesce(w.weight_operational_control, 0) as weight_operational_control,
        coalesce(w.weight_financial_control, 0) as weight_financial_control,
        e.source_record_key
    from entities as e
    left join weights as w
        on w.entity_id = e.entity_id

)

select * from final
