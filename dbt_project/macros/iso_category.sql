{#- ISO 14064-1:2018 categories (= T/CAS 612 6.2.1 a-f; docs/methods.md M-S3-05, ISO 14064-1
    Annex B): 1 direct emissions and removals = Scope 1 (biogenic CO2 reported
    beside it); 2 imported energy = Scope 2; 3 transportation = Scope 3
    categories 4, 6, 7, 9; 4 products used by the organisation = 1, 2, 3, 5, 8;
    5 use of the organisation's products = 10, 11, 12, 13 and 15 (B.5.4
    investments); 6 other sources = 14 and anything else. The one mapping every
    model uses. -#}
{% macro iso_category(scope, scope3_category) -%}
    case
        when {{ scope }} in ('1', 'biogenic') then 1
        when {{ scope }} = '2' then 2
        when {{ scope3_category }} in (4, 6, 7, 9) then 3
        when {{ scope3_category }} in (1, 2, 3, 5, 8) then 4
        when {{ scope3_category }} in (10, 11, 12, 13, 15) then 5
        when {{ scope }} = '3' then 6
    end
{%- endmacro %}
