-- What differs between two runs' manifests, and which recalculation cause
-- that is (docs/methods.md M-BASE-03; ISO 14064-1 5.2; T/CAS 612 6.5, 7.5):
-- the one definition read by both the base-year triggers of a locked base
-- year (int_baseline__locked_base_years, during the dbt build) and the
-- restatements `carbon run` records after its build
-- (pipelines/lib/history/locks.py). One row per locked year x reference run
-- (the run of a lock, or a run that restated the year) x the newest run: the
-- run under way (its 'running' row of history.runs, written before the job)
-- or the run just finished (when its restatements are recorded). A view, so
-- that it reads the manifests as they are when it is queried.
--
-- What a difference is (the cause_type of each change):
--   method_change    the GWP set; the Scope 2 location factor level or family
--   factor_change    the factor set version; a file of the factor registry
--                    and reference data (seeds/); a custom factor file
--                    (reference/custom_factors)
--   error_correction any other input file changed, added or removed
--   other            other configuration keys, the data quality plan, the
--                    code: named, but not a cause of their own
-- An input file counts for the year when it fed emission rows of that year in
-- either run, or of no year (master and reference data). The files of the
-- run under way have no years until its manifest is written; a file added
-- since the reference run then counts for every year.
-- The pair's cause_type is method_change when any change is one, else
-- factor_change when any is one, else error_correction (the effects of
-- simultaneous causes cannot be told apart; cause names every change). A
-- reference run without a manifest gives error_correction, and says so.
{{ config(materialized='view') }}
with

pairs as (

    select * from {{ ref('int_history__manifest_pairs') }}

),

changes as (

    select * from {{ ref('int_history__manifest_file_changes') }}
    union all by name
    select * from {{ ref('int_history__manifest_setting_changes') }}

),

groups as (

    -- one clause of the cause sentence per kind of change
    select
        reporting_year,
        reference_run_id,
        run_id,
        change_group,
        case change_group
            when 'files_changed' then 1 when 'files_added' then 2 when 'files_removed' then 3
            when 'gwp_set' then 4 when 'factor_set_version' then 5 when 'seeds_changed' then 6
            when 'config_keys_changed' then 7 when 'dq_plan_sha256' then 8 else 9
        end as group_order,
        case
            when change_group in ('files_changed', 'files_added', 'files_removed')
                then 'input file' || case when count(*) > 1 then 's' else '' end || ' '
                    || replace(change_group, 'files_', '') || ': '
                    || string_agg(change_item, ', ' order by change_item)
            when change_group = 'gwp_set'
                then 'GWP set ' || coalesce(any_value(old_value), 'none') || ' → '
                    || coalesce(any_value(new_value), 'none')
            when change_group = 'factor_set_version'
                then 'factor set version ' || coalesce(any_value(old_value), 'none') || ' → '
                    || coalesce(any_value(new_value), 'none')
            when change_group = 'seeds_changed'
                then 'seeds changed: ' || string_agg(change_item, ', ' order by change_item)
            when change_group = 'config_keys_changed'
                then 'configuration changed: ' || string_agg(change_item, ', ' order by change_item)
            when change_group = 'dq_plan_sha256' then 'data quality plan changed'
            else 'code changed (' || coalesce(
                string_agg(
                    case change_item when 'code_version' then 'version ' when 'git_commit' then 'commit ' end
                    || coalesce(nullif(left(old_value, 12), ''), 'none') || ' → '
                    || coalesce(nullif(left(new_value, 12), ''), 'none'),
                    ', ' order by change_item
                ) filter (where change_item in ('code_version', 'git_commit')),
                'dbt project or pipelines checksum') || ')'
        end as clause,
        list({'item': change_item, 'old': old_value, 'new': new_value, 'cause_type': cause_type}
             order by change_item) as items,
        bool_or(cause_type = 'method_change') as has_method_change,
        bool_or(cause_type = 'factor_change') as has_factor_change
    from changes
    group by reporting_year, reference_run_id, run_id, change_group

),

final as (

    select
        p.reporting_year,
        p.reference_run_id,
        p.run_id,
        p.has_reference_manifest,
        case
            when coalesce(bool_or(g.has_method_change), false) then 'method_change'
            when coalesce(bool_or(g.has_factor_change), false) then 'factor_change'
            else 'error_correction'
        end as cause_type,
        case
            when not p.has_reference_manifest
                then 'The manifest of run ' || p.reference_run_id || ' is missing, so the cause cannot be read'
            when count(g.change_group) = 0
                then 'No change of input files, GWP set, factors, configuration or code since run '
                    || p.reference_run_id || ' (check the environment versions in history.runs)'
            else upper(left(string_agg(g.clause, '; ' order by g.group_order), 1))
                || substr(string_agg(g.clause, '; ' order by g.group_order), 2)
        end as cause,
        coalesce(
            list({'change_group': g.change_group, 'items': g.items} order by g.group_order)
                filter (where g.change_group is not null),
            []
        ) as changes
    from pairs as p
    left join groups as g
        on g.reporting_year = p.reporting_year
        and g.reference_run_id = p.reference_run_id
        and g.run_id = p.run_id
    group by p.reporting_year, p.reference_run_id, p.run_id, p.has_reference_manifest

)

select * from final
