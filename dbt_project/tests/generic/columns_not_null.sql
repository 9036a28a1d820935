{#
    None of the listed columns holds a null: the model-level form of dbt's
    not_null, one scan of the model for all its required columns instead of
    one test (one query, one node) per column. A failure row names the
    column and how many rows are null in it.

    Declared once per model in the schema files:
        data_tests:
          - columns_not_null:
              arguments:
                columns: [entity_id, entity_name]
#}
{% test columns_not_null(model, columns) %}

with

null_counts as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ adapter.quote(column) }} is null) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

per_column as (
    {%- for column in columns %}
    select '{{ column }}' as column_name, {{ adapter.quote(column) }} as null_rows from null_counts
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select column_name, null_rows
from per_column
where null_rows > 0

{% endtest %}
