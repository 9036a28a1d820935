-- The base-year recalculation log (docs/methods.md M-BASE-02, M-BASE-03; T/CAS 612 6.5): one row per
-- trigger x consolidation approach x scope x Scope 2 method, with the
-- trigger's own effect on the base year and the cumulative effect of all
-- triggers up to and including it (ordered by event date), as a share of the
-- original base. Triggers: acquisitions and divestments
-- (int_baseline__structural_triggers), methods and factors changed since the
-- base year (int_baseline__method_triggers) and changes since a locked base
-- year (int_baseline__locked_base_years). A trigger whose base-year activity
-- data is missing is a finding (trigger_status 'missing_base_year_data',
-- effect null), not a guess. The triggers and their own effects are
-- int_baseline__trigger_effects; here they get the original base they are a
-- share of, their cumulative effect and their description.
{% set base_years = var('base_years') %}
{% set n_years = base_years | length %}
with

entity_years as (

    select * from {{ ref('int_baseline__entity_base_years') }}

),

locked_changes as (

    select * from {{ ref('int_baseline__locked_base_years') }}

),

log_rows as (

    select * from {{ ref('int_baseline__trigger_effects') }}

),

originals as (

    -- the base year as originally reported: the locked figure where the base
    -- year is locked, else computed under the base year's boundary (= fct_baseline)
    select
        consolidation_approach,
        scope,
        scope2_method,
        {{ exact_sum('original_t') }} / {{ n_years }} as original_base_t
    from (
        select consolidation_approach, scope, scope2_method, original_t from entity_years
        union all
        select consolidation_approach, scope, scope2_method, -effect_t from locked_changes
    )
    group by all

),

final as (

    select
        l.trigger_id,
        l.trigger_type,
        l.entity_id,
        l.entity_name,
        l.event_date,
        '{{ base_years | join(",") }}' as base_years,
        l.consolidation_approach,
        l.scope,
        l.scope2_method,
        l.trigger_status,
        l.trigger_status in ('missing_base_year_data', 'partly_recalculated', 'not_recalculable') as is_finding,
        l.years_missing_data,
        l.cause_detail,
        l.effect_t,
        sum(coalesce(l.effect_t, 0)) over (
            partition by l.consolidation_approach, l.scope, l.scope2_method
            order by l.event_date, l.trigger_id
            rows between unbounded preceding and current row
        ) as cumulative_effect_t,
        o.original_base_t,
        case when o.original_base_t <> 0 then l.effect_t / o.original_base_t * 100 end as effect_pct,
        {{ var('recalculation_threshold_pct') }}::double as threshold_pct,
        case
            when l.trigger_type in ('factor_published', 'supplier_specific_data', 'factor_edition') then
                case l.trigger_status
                    when 'recalculated' then ''
                    else 'Finding: not every base-year record can be recalculated. 发现项：部分基准年记录无法按新方法重新计算。 '
                end
                || case l.trigger_type
                    when 'factor_published' then 'Factor published since the base year (' || l.cause_detail
                        || '): the base year is restated with it. 基准年后发布的因子：按新因子重新计算基准年。'
                    when 'supplier_specific_data' then 'Supplier-specific data since the base year (' || l.cause_detail
                        || '): the base year is restated with the supplier''s factor. 供应商特定数据：按供应商因子重新计算基准年。'
                    else 'New factor edition (' || l.cause_detail
                        || '): the base year is restated with it. 因子版本更新：按新版因子重新计算基准年。'
                end
        else case l.trigger_status
            when 'recalculated' then
                case l.trigger_type
                    when 'method_change' then 'Method change since the base year was locked (' || l.cause_detail
                        || '): the base year is restated under today''s methods. 方法变更：按现行方法重新计算基准年。'
                    when 'factor_change' then 'Factor change since the base year was locked (' || l.cause_detail
                        || '): the base year is restated with today''s factors. 因子变更：按现行排放因子重新计算基准年。'
                    when 'error_correction' then 'Error correction since the base year was locked (' || l.cause_detail
                        || '): the base year is restated with the corrected data. 错误更正：按更正后的数据重新计算基准年。'
                    when 'acquisition' then 'Acquisition of ' || l.entity_id || ' (' || coalesce(l.entity_name, '') || ') on '
                        || strftime(l.event_date, '%Y-%m-%d') || ': its base-year emissions join the base year. 收购：将其基准年排放计入基准年。'
                    else 'Divestment of ' || l.entity_id || ' (' || coalesce(l.entity_name, '') || ') on '
                        || strftime(l.event_date, '%Y-%m-%d') || ': its base-year emissions leave the base year. 剥离：将其基准年排放从基准年中扣除。'
                end
            when 'missing_base_year_data' then
                'Finding: ' || l.trigger_type || ' of ' || l.entity_id || ' on ' || strftime(l.event_date, '%Y-%m-%d')
                || ' cannot be recalculated, no activity data for base year(s) ' || l.years_missing_data
                || '. 发现项：基准年活动数据缺失，无法重新计算。'
            else
                l.trigger_type || ' of ' || l.entity_id || ': every facility opened after the base year, nothing to recalculate. '
                || '设施均在基准年之后投运，无需重新计算。'
        end end as description
    from log_rows as l
    left join originals as o
        on o.consolidation_approach = l.consolidation_approach
        and o.scope is not distinct from l.scope
        and o.scope2_method is not distinct from l.scope2_method

)

select
    *,
    case when original_base_t <> 0 then cumulative_effect_t / original_base_t * 100 end as cumulative_change_pct
from final
