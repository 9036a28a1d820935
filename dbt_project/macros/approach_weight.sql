{#- An emission row's weight under the consolidation approach named by the
    column `approach` (a row of consolidation_approaches()): the weight_* column
    of fct_emissions that approach uses (docs/methods.md M-BND-01). -#}
{% macro approach_weight(approach, alias='e') -%}
    case {{ approach }}
        when 'equity_share' then {{ alias }}.weight_equity_share
        when 'operational_control' then {{ alias }}.weight_operational_control
        else {{ alias }}.weight_financial_control end
{%- endmacro %}

{#- The emission rows of the reporting years once per consolidation approach,
    with the row's weight under it (`approach_weight`): the input of every
    aggregate that reports an approach's consolidated CO2e by some key. -#}
{% macro consolidated_emissions() -%}
    select
        e.*,
        a.consolidation_approach,
        {{ approach_weight('a.consolidation_approach') }} as approach_weight
    from {{ ref('fct_emissions') }} as e
    cross join ({{ consolidation_approaches() }}) as a
    where {{ in_reporting_years('e.reporting_year') }}
{%- endmacro %}
