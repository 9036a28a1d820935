-- Each entity's weight under the three consolidation approaches (docs/methods.md M-BND-01;
-- GHG Protocol Corporate Standard ch. 3): the product, over the chain of links
-- from the group root down to the entity, of each link's factor
--   equity_share:        equity_pct / 100 (fixed_asset_investment -> 0)
--   financial_control:   full -> 1, joint -> equity_pct / 100, none -> 0
--   operational_control: true -> 1, false -> 0
-- and the window in which the entity belongs to the group: the intersection
-- of its own and its ancestors' [valid_from, valid_to] windows.
-- Entities not reachable from the root get no row here (weight 0 downstream).
with recursive

entities as (

    select * from {{ ref('stg_erp__entities') }}

),

tree as (

    select
        entity_id,
        parent_entity_id,
        0 as depth,
        1.0::double as weight_equity_share,
        1.0::double as weight_financial_control,
        1.0::double as weight_operational_control,
        valid_from_date as in_group_from_date,
        valid_to_date as in_group_to_date,
        entity_id as chain
    from entities
    where entity_id = '{{ var("group_root") }}'

    union all

    select
        child.entity_id,
        child.parent_entity_id,
        parent.depth + 1,
        parent.weight_equity_share
            * case when child.relationship = 'fixed_asset_investment' then 0
                   else child.equity_pct / 100 end,
        parent.weight_financial_control
            * case child.financial_control
                when 'full' then 1
                when 'joint' then child.equity_pct / 100
                else 0 end,
        parent.weight_operational_control
            * case when child.is_operational_control then 1 else 0 end,
        case
            when parent.in_group_from_date is null then child.valid_from_date
            when child.valid_from_date is null then parent.in_group_from_date
            else greatest(parent.in_group_from_date, child.valid_from_date)
        end,
        case
            when parent.in_group_to_date is null then child.valid_to_date
            when child.valid_to_date is null then parent.in_group_to_date
            else least(parent.in_group_to_date, child.valid_to_date)
        end,
        parent.chain || ' > ' || child.entity_id
    from entities as child
    inner join tree as parent
        on child.parent_entity_id = parent.entity_id
    -- a cycle in the tree stops here instead of recursing forever
    where parent.depth < 64
      and list_position(string_split(parent.chain, ' > '), child.entity_id) is null

),

final as (

    select
        entity_id,
        parent_entity_id,
        depth,
        chain as ownership_chain,
        weight_equity_share,
        weight_financial_control,
        weight_operational_control,
        in_group_from_date,
        in_group_to_date
    from tree

)

select * from final
