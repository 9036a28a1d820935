{#
    Every row of the model obeys its column rules: one test (one dbt node, one Dagster check) per model
    instead of one per rule and column. A dbt data test costs about 40 ms of dbt's own Python whatever
    its query (events, Jinja context, a connection and its transaction), and the project declares about
    370 column rules on 135 models and seeds: one node each made them most of a small build
    (docs/decisions.md, "Column rules: one test per model").

    The rules, all optional (declared once per model in the schema files):
        data_tests:
          - row_rules:
              arguments:
                not_null: [entity_id, entity_name]          # no null in these columns
                unique: [entity_id, [entity_id, year]]      # a column: no value twice (nulls aside, as
                                                            # dbt's unique); a list: no combination twice
                accepted_values:                            # the column's values, when not null, are
                  status: [open, closed]                    # among these (compared as text, as dbt's)
                accepted_range:                             # min_value / max_value, either optional;
                  share_pct: {min_value: 0, max_value: 100} # inclusive unless inclusive: false; nulls pass
                expressions: ["co2e_t >= 0"]                # true on every row (false or null fails)

    The value rules are counted in one scan of the model; each unique key is one grouping. A failure is
    one row per broken rule: the rule, what it is about (the column, key or expression) and how many
    rows (for unique: how many key values occur more than once) break it. `dbt test --select <model>
    --store-failures` keeps those rows in a table.
#}
{% test row_rules(model, not_null=none, unique=none, accepted_values=none, accepted_range=none, expressions=none) %}

{%- set scans = [] -%}
{%- for column in (not_null or []) -%}
    {%- do scans.append(('not_null', column, adapter.quote(column) ~ ' is null')) -%}
{%- endfor -%}
{%- for column, values in (accepted_values or {}).items() -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}
    {%- endfor -%}
    {%- do scans.append(('accepted_values', column ~ ' in (' ~ (values | join(', ')) ~ ')',
                         adapter.quote(column) ~ ' not in (' ~ (quoted | join(', ')) ~ ')')) -%}
{%- endfor -%}
{%- for column, bounds in (accepted_range or {}).items() -%}
    {%- set inclusive = bounds.get('inclusive', true) -%}
    {%- set parts = [] -%}
    {%- set about = [] -%}
    {%- if bounds.get('min_value') is not none -%}
        {%- do parts.append(adapter.quote(column) ~ (' < ' if inclusive else ' <= ') ~ bounds['min_value']) -%}
        {%- do about.append((' >= ' if inclusive else ' > ') ~ bounds['min_value']) -%}
    {%- endif -%}
    {%- if bounds.get('max_value') is not none -%}
        {%- do parts.append(adapter.quote(column) ~ (' > ' if inclusive else ' >= ') ~ bounds['max_value']) -%}
        {%- do about.append((' <= ' if inclusive else ' < ') ~ bounds['max_value']) -%}
    {%- endif -%}
    {%- if not parts -%}
        {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ ": accepted_range of " ~ column ~ " has neither min_value nor max_value") }}
    {%- endif -%}
    {%- do scans.append(('accepted_range', column ~ (about | join(' and')), parts | join(' or '))) -%}
{%- endfor -%}
{%- for expression in (expressions or []) -%}
    {%- do scans.append(('expression', expression, 'not coalesce((' ~ expression ~ '), false)')) -%}
{%- endfor -%}

{%- set rules = [] -%}
{%- for rule, about, condition in scans -%}
    {%- do rules.append("select '" ~ rule ~ "' as rule, '" ~ (about | replace("'", "''")) ~ "' as about, rule_"
                        ~ loop.index ~ " as failing from scanned") -%}
{%- endfor -%}
{%- for key in (unique or []) -%}
    {%- if key is string -%}
        {%- set about = key -%}
        {%- set grouped = "select " ~ adapter.quote(key) ~ " from " ~ model ~ " where " ~ adapter.quote(key)
                          ~ " is not null group by all having count(*) > 1" -%}
    {%- else -%}
        {%- set about = key | join(', ') -%}
        {%- set columns = [] -%}
        {%- for column in key -%}{%- do columns.append(adapter.quote(column)) -%}{%- endfor -%}
        {%- set grouped = "select " ~ (columns | join(', ')) ~ " from " ~ model ~ " group by all having count(*) > 1" -%}
    {%- endif -%}
    {%- do rules.append("select 'unique' as rule, '" ~ about ~ "' as about, (select count(*) from (" ~ grouped
                        ~ ")) as failing") -%}
{%- endfor -%}
{%- if not rules -%}
    {{ exceptions.raise_compiler_error("row_rules on " ~ model ~ " declares no rule") }}
{%- endif -%}

with
{% if scans %}
scanned as (
    select
        {%- for rule, about, condition in scans %}
        count(*) filter (where {{ condition }}) as rule_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
),
{% endif %}
rules as (
    {{ rules | join("\n    union all\n    ") }}
)

select rule, about, failing
from rules
where failing > 0

{% endtest %}
