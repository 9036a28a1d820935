{#
    Every null of a nullable column says why: where the column is null, its
    reason column (a `*_reason` column of the same row) is not. The finance
    KPI marts declare it once per model, one entry per nullable column; the
    KPI extract reads the same mapping for its data dictionary ("null ->
    see <reason column>"). `<cur>` in a column name is the reporting currency
    in lower case (the names of money columns carry it). A failure row names
    the column, its reason column and how many rows have a null without a
    reason.

        data_tests:
          - nulls_have_reasons:
              arguments:
                reasons:
                  revenue_10k_<cur>: revenue_intensity_missing_reason
#}
{% test nulls_have_reasons(model, reasons) %}

{%- set cur = var('reporting_currency') | lower %}
{%- for name, reason in reasons.items() %}
{%- set column = name | replace('<cur>', cur) %}
select
    '{{ column }}' as column_name,
    '{{ reason }}' as reason_column,
    count(*) as unexplained_nulls
from {{ model }}
where {{ adapter.quote(column) }} is null
  and {{ adapter.quote(reason) }} is null
having count(*) > 0
{{ "union all" if not loop.last }}
{%- endfor %}

{% endtest %}
