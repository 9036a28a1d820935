-- Scope 3 category 15 (investments) by investee, the lines `carbon run`
-- prints: reporting year x consolidation approach x investee, where the
-- investee is the joint venture or associate of the entity tree that the
-- emissions come from (source_type 'investee_entity_tree', docs/methods.md
-- M-S3-04) or 'procurement/investments' for the investments listed in that
-- dataset. Consolidated CO2e (exact sum); investees whose emissions sum to
-- zero under an approach are left out.
with

emissions as (

    {{ consolidated_emissions() }}

),

final as (

    select
        reporting_year,
        consolidation_approach,
        case when source_type = 'investee_entity_tree' then entity_id else 'procurement/investments' end
            as investee,
        {{ exact_sum('co2e_t * approach_weight') }} as co2e_t
    from emissions
    where scope = '3' and scope3_category = 15
    group by all
    having {{ exact_sum('co2e_t * approach_weight') }} <> 0

)

select * from final
