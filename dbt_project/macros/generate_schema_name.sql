{#
    The warehouse has fixed schema names (raw, staging, intermediate, marts,
    reference) that the CLI, the Dagster assets, Great Expectations and the
    finance exports address directly. dbt's default would prefix them with the
    target schema (main_staging); here a configured schema is used as-is and
    only unconfigured nodes fall back to the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
