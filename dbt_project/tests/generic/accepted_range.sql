{#
    Values of a column lie within [min_value, max_value] (either bound
    optional; inclusive by default). Nulls pass: combine with not_null.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with

validation as (
    select {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} is not null
),

failures as (
    select *
    from validation
    where
        false
        {%- if min_value is not none %}
        or value {{ '<' if inclusive else '<=' }} {{ min_value }}
        {%- endif %}
        {%- if max_value is not none %}
        or value {{ '>' if inclusive else '>=' }} {{ max_value }}
        {%- endif %}
)

select * from failures

{% endtest %}
