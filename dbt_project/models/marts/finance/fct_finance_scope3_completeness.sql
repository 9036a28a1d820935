-- Scope 3 completeness for the finance KPI extract (sheet "Scope 3 completeness"):
-- the primary approach's rows of fct_scope3_completeness - every category 1-15
-- with its emissions, or why it has none (carbon.yml scope3_exclusions, or not
-- assessed; docs/methods.md M-S3-06, ISO 14064-1 5.2.3). Nothing is computed here.
select
    c.reporting_year,
    '{{ var("group_root") }}' as entity_id,
    true as is_group_total,
    c.consolidation_approach,
    c.scope3_category,
    c.completeness_status,
    c.co2e_t,
    c.unestimated_records,
    c.exclusion_reason
from {{ ref('fct_scope3_completeness') }} as c
where c.consolidation_approach = '{{ var("consolidation") }}'
