{#- Why a financial intensity (revenue, output value) has no value (docs/methods.md M-INT-01), as two
    SQL expressions: the reason code and its sentence. An entity's and the group's ratio models give
    their own columns: the financial rows behind the denominator, the currencies without an fx rate
    ('CNY 2023, USD 2024'), the rows without a currency, the converted denominator and its kind. A
    ratio that cannot be computed never becomes a zero. -#}
{% macro financial_missing_reason(rows, missing_rates, unconverted_rows, denominator) -%}
    case
            when coalesce({{ rows }}, 0) = 0 then 'no_denominator'
            when {{ missing_rates }} is not null then 'no_fx_rate'
            when {{ unconverted_rows }} > 0 then 'no_currency'
            when {{ denominator }} <= 0 then 'non_positive_denominator'
        end
{%- endmacro %}

{% macro financial_missing_detail(rows, missing_rates, unconverted_rows, kind) -%}
    case
            when coalesce({{ rows }}, 0) = 0 then 'no ' || {{ kind }} || ' in erp/financials'
            when {{ missing_rates }} is not null then 'no fx rate for ' || {{ missing_rates }}
            when {{ unconverted_rows }} > 0 then 'financial rows without a currency'
        end
{%- endmacro %}
