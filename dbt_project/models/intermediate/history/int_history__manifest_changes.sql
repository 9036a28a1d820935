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

runs as (

    select * from {{ ref('stg_history__runs') }}

),

run_inputs as (

    select * from {{ ref('stg_history__run_inputs') }}

),

locks as (

    select * from {{ ref('stg_history__period_locks') }}

),

restatements as (

    select * from {{ ref('stg_history__restatements') }}

),

ingest_files as (

    select * from {{ ref('stg_ingest__files') }}

),

newest_run as (

    select * from runs
    qualify row_number() over (order by started_at desc, run_id desc) = 1

),

pairs as (

    select distinct
        p.reporting_year,
        p.reference_run_id,
        n.run_id,
        o.run_id is not null as has_reference_manifest
    from (
        select reporting_year, locked_run_id as reference_run_id from locks
        union
        select reporting_year, run_id from restatements
    ) as p
    cross join newest_run as n
    left join runs as o
        on o.run_id = p.reference_run_id

),

inputs as (

    select run_id, dataset_key, file_path, file_sha256, reporting_years
    from run_inputs

    union all

    -- the run under way: its files are the extraction's until its manifest is written
    select n.run_id, f.dataset_key, f.file_path, f.file_sha256, null::integer[] as reporting_years
    from newest_run as n
    cross join ingest_files as f
    where n.run_status = 'running'
      and not exists (select 1 from run_inputs as i where i.run_id = n.run_id)

),

old_files as (

    select p.reporting_year, p.reference_run_id, p.run_id, i.dataset_key, i.file_path, i.file_sha256,
           i.reporting_years
    from pairs as p
    inner join inputs as i
        on i.run_id = p.reference_run_id
    where p.has_reference_manifest

),

new_files as (

    select p.reporting_year, p.reference_run_id, p.run_id, i.dataset_key, i.file_path, i.file_sha256,
           i.reporting_years
    from pairs as p
    inner join inputs as i
        on i.run_id = p.run_id
    where p.has_reference_manifest

),

file_changes as (

    select
        coalesce(o.reporting_year, n.reporting_year) as reporting_year,
        coalesce(o.reference_run_id, n.reference_run_id) as reference_run_id,
        coalesce(o.run_id, n.run_id) as run_id,
        case
            when o.file_path is null then 'files_added'
            when n.file_path is null then 'files_removed'
            else 'files_changed'
        end as change_group,
        coalesce(o.file_path, n.file_path) as change_item,
        o.file_sha256 as old_value,
        n.file_sha256 as new_value,
        case when coalesce(o.dataset_key, n.dataset_key) = 'reference/custom_factors' then 'factor_change'
             else 'error_correction' end as cause_type,
        list_distinct(coalesce(o.reporting_years, []) || coalesce(n.reporting_years, [])) as fed_years
    from old_files as o
    full outer join new_files as n
        on n.reporting_year = o.reporting_year
        and n.reference_run_id = o.reference_run_id
        and n.run_id = o.run_id
        and n.dataset_key = o.dataset_key
        and n.file_path = o.file_path
    where o.file_sha256 is distinct from n.file_sha256

),

run_pairs as (

    select
        p.reporting_year,
        p.reference_run_id,
        p.run_id,
        o.gwp_set as old_gwp_set,
        n.gwp_set as new_gwp_set,
        o.factor_set_version as old_factor_set_version,
        n.factor_set_version as new_factor_set_version,
        o.dq_plan_sha256 as old_dq_plan_sha256,
        n.dq_plan_sha256 as new_dq_plan_sha256,
        o.code_version as old_code_version,
        n.code_version as new_code_version,
        o.git_commit as old_git_commit,
        n.git_commit as new_git_commit,
        o.code_sha256 as old_code_sha256,
        n.code_sha256 as new_code_sha256,
        json_transform(coalesce(o.settings_json, '{}'), '"MAP(VARCHAR, JSON)"') as old_settings,
        json_transform(coalesce(n.settings_json, '{}'), '"MAP(VARCHAR, JSON)"') as new_settings,
        json_transform(coalesce(o.seed_files_json, '{}'), '"MAP(VARCHAR, VARCHAR)"') as old_seeds,
        json_transform(coalesce(n.seed_files_json, '{}'), '"MAP(VARCHAR, VARCHAR)"') as new_seeds
    from pairs as p
    inner join runs as o
        on o.run_id = p.reference_run_id
    inner join runs as n
        on n.run_id = p.run_id

),

field_changes as (

    select reporting_year, reference_run_id, run_id, 'gwp_set' as change_group, 'gwp_set' as change_item,
           old_gwp_set as old_value, new_gwp_set as new_value, 'method_change' as cause_type
    from run_pairs where old_gwp_set is distinct from new_gwp_set
    union all
    select reporting_year, reference_run_id, run_id, 'factor_set_version', 'factor_set_version',
           old_factor_set_version, new_factor_set_version, 'factor_change'
    from run_pairs where old_factor_set_version is distinct from new_factor_set_version
    union all
    select reporting_year, reference_run_id, run_id, 'dq_plan_sha256', 'dq_plan_sha256',
           old_dq_plan_sha256, new_dq_plan_sha256, 'other'
    from run_pairs where old_dq_plan_sha256 is distinct from new_dq_plan_sha256
    union all
    select reporting_year, reference_run_id, run_id, 'code_changed', 'code_version',
           old_code_version, new_code_version, 'other'
    from run_pairs where old_code_version is distinct from new_code_version
    union all
    select reporting_year, reference_run_id, run_id, 'code_changed', 'git_commit',
           old_git_commit, new_git_commit, 'other'
    from run_pairs where old_git_commit is distinct from new_git_commit
    union all
    select reporting_year, reference_run_id, run_id, 'code_changed', 'code_sha256',
           old_code_sha256, new_code_sha256, 'other'
    from run_pairs where old_code_sha256 is distinct from new_code_sha256

),

setting_keys as (

    select reporting_year, reference_run_id, run_id, old_settings, new_settings,
           unnest(list_distinct(map_keys(old_settings) || map_keys(new_settings))) as change_item
    from run_pairs

),

setting_changes as (

    -- gwp_set is a change of its own (above)
    select
        reporting_year,
        reference_run_id,
        run_id,
        'config_keys_changed' as change_group,
        change_item,
        old_settings[change_item]::varchar as old_value,
        new_settings[change_item]::varchar as new_value,
        case when change_item in ('scope2_location_factor', 'scope2_location_family') then 'method_change'
             else 'other' end as cause_type
    from setting_keys
    where change_item <> 'gwp_set'
      and old_settings[change_item]::varchar is distinct from new_settings[change_item]::varchar

),

seed_keys as (

    select reporting_year, reference_run_id, run_id, old_seeds, new_seeds,
           unnest(list_distinct(map_keys(old_seeds) || map_keys(new_seeds))) as change_item
    from run_pairs

),

seed_changes as (

    select
        reporting_year,
        reference_run_id,
        run_id,
        'seeds_changed' as change_group,
        change_item,
        old_seeds[change_item] as old_value,
        new_seeds[change_item] as new_value,
        'factor_change' as cause_type
    from seed_keys
    where old_seeds[change_item] is distinct from new_seeds[change_item]

),

changes as (

    select * exclude (fed_years)
    from file_changes
    where list_contains(fed_years, reporting_year) or len(fed_years) = 0
    union all by name
    select * from field_changes
    union all by name
    select * from setting_changes
    union all by name
    select * from seed_changes

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
