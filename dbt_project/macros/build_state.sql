{#
    carbon's record of what the warehouse's models were built from (ingest.dbt_build_state, written by
    pipelines/lib/dbt_state.py after a successful `carbon run` build) holds only while nothing else
    rebuilds them. A dbt invocation that builds models or seeds (build, run, seed, snapshot, retry, clone: a bare
    `dbt build` with other vars, say) removes it as it starts (on-run-start in dbt_project.yml), so the
    next `carbon run` builds everything instead of trusting models this invocation may have changed.
    The data quality scorecard's build (pipelines/defs/quality/dbt.py) puts back the record it found:
    its models are not in it.
#}
{% macro forget_build_state() -%}
    {%- set relation = none -%}
    {%- if execute and invocation_args_dict.get('which') in ('build', 'run', 'seed', 'snapshot', 'retry', 'clone') -%}
        {%- set relation = adapter.get_relation(database=target.database, schema='ingest',
                                                identifier='dbt_build_state') -%}
    {%- endif -%}
    {%- if relation is not none -%}
        {#- dbt rolls the hooks' transaction back once they ran: the delete commits itself, and what dbt
            rolls back is the empty transaction begun after it -#}
        delete from {{ relation }}; commit; begin
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
