-- The entity tree against the configured group root (T/CAS 612 4.3): one row
-- per entity of the register, `is_in_tree` = 1 when it is reachable from the
-- group root of carbon.yml, 0 otherwise (its emissions would weigh nothing
-- under every approach). The shape of the tree itself (one root, no cycles,
-- known parents) is checked when the entities are loaded.
with

entities as (

    select * from {{ ref('stg_erp__entities') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

final as (

    select
        'erp/entities' as dataset_key,
        'entity' as subject_type,
        e.entity_id as subject_id,
        e.entity_id,
        e.parent_entity_id,
        e.relationship,
        '{{ var("group_root") }}' as group_root_entity_id,
        w.ownership_chain,
        case when w.entity_id is null then 0 else 1 end as is_in_tree,
        e.source_record_key
    from entities as e
    left join weights as w
        on w.entity_id = e.entity_id

)

select * from final
