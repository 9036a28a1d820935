-- The inventory by ISO 14064-1 category for the finance KPI extract (sheet "ISO
-- categories"): the primary approach's rows of rpt_iso_categories, with the
-- group's own removals on their own line in category 1, never netted
-- (docs/methods.md M-S3-05). Nothing is computed here. The lines never mix: an
-- emissions line has no removals, the removals line no emissions, and
-- missing_reason says which (emissions_line / removals_line).
select
    i.reporting_year,
    '{{ var("group_root") }}' as entity_id,
    true as is_group_total,
    i.consolidation_approach,
    i.iso_category,
    i.iso_category_name,
    i.line_kind,
    i.co2e_location_based_t,
    i.co2e_market_based_t,
    i.removals_t,
    case
        when i.line_kind = 'removals' and (i.co2e_location_based_t is null or i.co2e_market_based_t is null)
            then 'removals_line'
        when i.removals_t is null then 'emissions_line'
    end as missing_reason
from {{ ref('rpt_iso_categories') }} as i
where i.consolidation_approach = '{{ var("consolidation") }}'
