{#-
  Table and view materializations for DuckDB with one statement per model.

  dbt-duckdb's own build `<name>__dbt_tmp`, ask the catalog about foreign keys
  and indexes, rename the old relation to a backup, rename the new one in,
  commit and drop the backup: eight to ten statements per model, each a round
  of dbt's Python (events, Jinja, the relation cache). On a small landing folder
  that bookkeeping, not the data, was most of a build's time. This project uses
  none of what the extra statements serve (foreign keys, indexes, grants,
  persisted docs, partitioning, Python models). Here the old relation is dropped
  and the new one created in one statement inside the model's transaction, so a
  failed build leaves the old relation in place. The create goes through the
  adapter's own `create_table_as` / `create_view_as`, so a model whose contract
  is enforced (the marts) still gets its declared columns, order and types
  (tests/test_materializations.py). The root project's materializations take
  precedence over the adapter's.

  One limit: the old relation is gone before the model's SQL runs, so a table or
  view model cannot read its own previous rows (`{{ this }}`); a model that needs
  them is an incremental model (int_energy_reading_runs), whose materialization
  is dbt-duckdb's. dbt's relation cache is told of the drop (`cache_dropped`).
-#}

{% materialization table, adapter='duckdb' %}
  {{ return(replace_relation('table')) }}
{% endmaterialization %}

{% materialization view, adapter='duckdb' %}
  {{ return(replace_relation('view')) }}
{% endmaterialization %}

{#- The model's relation (`this`) of `kind` (table | view), replaced in one statement; what both
    materializations above return. -#}
{% macro replace_relation(kind) %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type=kind) -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% call statement('main') -%}
    {% if existing_relation is not none -%}
      drop {{ existing_relation.type }} if exists {{ existing_relation }};
    {%- endif %}
    {% if kind == 'table' -%}
      {{ create_table_as(False, target_relation, compiled_code) }}
    {%- else -%}
      {{ get_create_view_as_sql(target_relation, sql) }}
    {%- endif %}
  {%- endcall %}
  {% if existing_relation is not none %}{% do adapter.cache_dropped(existing_relation) %}{% endif %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmacro %}
