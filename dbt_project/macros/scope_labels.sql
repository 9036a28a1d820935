{#
    The scope labels of carbon.yml (intensity.scopes, neutrality.scopes,
    targets[].scopes; validated by pipelines/lib/settings.py) and what each
    selects of the inventory (docs/methods.md M-INT-01, M-TGT-01, M-CP-01): label -> (scope, scope2_method).
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

{#- The scopes of the carbon position and of the neutrality vision when
    carbon.yml's neutrality gives none (docs/configuration.md, neutrality.scopes):
    Scope 1 and Scope 2 market-based. -#}
{% macro neutrality_scopes(neutrality) -%}
    {{ return((neutrality.get('scopes') or ['1', '2-market']) | map('string') | map('trim') | list) }}
{%- endmacro %}

{#- The predicate that selects one scope label's rows, e.g. '2-market' ->
    (scope = '2' and scope2_method = 'market'); alias qualifies the columns.
    The labels come validated from carbon.yml (pipelines/lib/settings.py). -#}
{% macro scope_label_predicate(label, alias=none) -%}
    {%- set labels = scope_labels() -%}
    {%- set label = label | string | trim -%}
    {%- set prefix = (alias ~ '.') if alias else '' -%}
    {%- set scope, method = labels[label] -%}
    {%- if method is none -%}
        {{ prefix }}scope = '{{ scope }}'
    {%- else -%}
        ({{ prefix }}scope = '{{ scope }}' and {{ prefix }}scope2_method = '{{ method }}')
    {%- endif -%}
{%- endmacro %}

{#- The rows of any of the labels: (<predicate> or <predicate> ...). -#}
{% macro scope_labels_filter(labels, alias=none) -%}
    ({%- for label in labels %}{{ ' or ' if not loop.first }}{{ scope_label_predicate(label, alias) }}{% endfor -%})
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
