-- The run-level differences between the two manifests of each pair of
-- int_history__manifest_pairs (docs/methods.md M-BASE-03), one row each:
--   method_change  the GWP set; the Scope 2 location factor level or family
--   factor_change  the factor set version; a file of seeds/ (its sha256)
--   other          other configuration keys, the data quality plan, the code
{{ config(materialized='view') }}
with

pairs as (

    select * from {{ ref('int_history__manifest_pairs') }}

),

runs as (

    select * from {{ ref('stg_history__runs') }}

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

)

select * from field_changes
union all by name
select * from setting_changes
union all by name
select * from seed_changes
