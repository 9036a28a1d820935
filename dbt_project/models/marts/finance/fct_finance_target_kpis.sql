-- Progress to target for finance (T/CAS 612 6.6): one row per target x
-- reporting year of the group, the figures of fct_target_progress as they
-- are, named for the KPI extract. A target's figures are in its own unit
-- (value_unit: tCO2e for absolute and neutrality targets, tCO2e/10^4
-- <currency> or tCO2e/<product unit> for intensity targets), so they share
-- `_value` columns rather than a unit suffix; the group's counts per year are
-- on fct_finance_kpis.
-- Every null says why (test nulls_have_reasons): missing_reason is
-- fct_target_progress's reason for a null actual or base, followed by
-- base_equals_target when progress is undefined (base = target) and
-- no_neutrality_year when carbon.yml sets no neutrality.year; a target that is
-- not an intensity target has target_denominator 'none' rather than a null.
{% set currency = var('reporting_currency') | upper %}
with

target_progress as (

    select * from {{ ref('fct_target_progress') }}

),

final as (

    select
        reporting_year::bigint as reporting_year,
        '{{ var("group_root") }}' as entity_id,
        true as is_group_total,
        target_name,
        target_kind,
        is_interim,
        scopes as target_scopes,
        coalesce(denominator, 'none') as target_denominator,
        consolidation_approach,
        base_year::bigint as base_year,
        target_year::bigint as target_year,
        reduction_pct,
        base_value,
        base_source,
        is_base_recalculated,
        target_value,
        trajectory as trajectory_value,
        actual as actual_value,
        unit as value_unit,
        actual - trajectory as gap_to_trajectory_value,
        progress_pct,
        is_on_track,
        nullif(concat_ws(', ',
            missing_reason,
            case when missing_reason is null and progress_pct is null then 'base_equals_target' end,
            case when neutrality_year is null then 'no_neutrality_year' end
        ), '') as missing_reason,
        neutrality_year::bigint as neutrality_year,
        '{{ currency }}' as reporting_currency,
        gwp_set
    from target_progress

)

select * from final
