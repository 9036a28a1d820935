{#
    An order-independent sum. DuckDB sums doubles in parallel, so the last
    digits of a double sum can change from run to run. Summing each value
    rounded to 10^-12 (one microgram when the unit is tonnes) in DECIMAL(38, 12)
    is exact, hence identical on every run; the result is a double again.
    Use it for every aggregate that ends up in a mart.
#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 12))) as double)
{%- endmacro %}
