{#- An emission row's weight under the consolidation approach named by the
    column `approach` (a row of consolidation_approaches()): the weight_* column
    of fct_emissions that approach uses (METHODS.md 6). -#}
{% macro approach_weight(approach, alias='e') -%}
    case {{ approach }}
        when 'equity_share' then {{ alias }}.weight_equity_share
        when 'operational_control' then {{ alias }}.weight_operational_control
        else {{ alias }}.weight_financial_control end
{%- endmacro %}
