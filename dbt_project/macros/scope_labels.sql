{#
    The scope labels of carbon.yml (intensity.scopes, neutrality.scopes,
    targets[].scopes; validated by pipelines/lib/settings.py) and what each
    selects of the inventory (METHODS.md 8): label -> (scope, scope2_method).
    The one place the rule is written; fct_intensity, fct_carbon_position,
    fct_finance_kpis and fct_target_progress use the macros below.
#}
{% macro scope_labels() -%}
    {{ return({
        '1': ('1', none),
        '2-location': ('2', 'location'),
        '2-market': ('2', 'market'),
        '3': ('3', none),
    }) }}
{%- endmacro %}

{#- The predicate that selects one scope label's rows, e.g. '2-market' ->
    (scope = '2' and scope2_method = 'market'); alias qualifies the columns.
    An unknown label is a compilation error naming the setting. -#}
{% macro scope_label_predicate(label, alias=none, setting='scopes') -%}
    {%- set labels = scope_labels() -%}
    {%- set label = label | string | trim -%}
    {%- if label not in labels -%}
        {{ exceptions.raise_compiler_error(setting ~ " in carbon.yml: '" ~ label ~ "' is not a scope label; use 1, 2-location, 2-market or 3") }}
    {%- endif -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {%- set scope, method = labels[label] -%}
    {%- if method is none -%}
        {{ prefix }}scope = '{{ scope }}'
    {%- else -%}
        ({{ prefix }}scope = '{{ scope }}' and {{ prefix }}scope2_method = '{{ method }}')
    {%- endif -%}
{%- endmacro %}

{#- The rows of any of the labels: (<predicate> or <predicate> ...). -#}
{% macro scope_labels_filter(labels, alias=none, setting='scopes') -%}
    ({%- for label in labels %}{{ ' or ' if not loop.first }}{{ scope_label_predicate(label, alias, setting) }}{% endfor -%})
{%- endmacro %}

{#- A label column's inventory scope and Scope 2 method, as two SQL
    expressions (for a label read in SQL, e.g. from a comma-separated list):
    scope_label_scope('l') -> case l when '2-location' then '2' ... else l end. -#}
{% macro scope_label_scope(label_column) -%}
    case {{ label_column }}
        {%- for label, (scope, method) in scope_labels().items() if scope != label %}
        when '{{ label }}' then '{{ scope }}'
        {%- endfor %}
        else {{ label_column }}
    end
{%- endmacro %}

{% macro scope_label_scope2_method(label_column) -%}
    case {{ label_column }}
        {%- for label, (scope, method) in scope_labels().items() if method is not none %}
        when '{{ label }}' then '{{ method }}'
        {%- endfor %}
    end
{%- endmacro %}
