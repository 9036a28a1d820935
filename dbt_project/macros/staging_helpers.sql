{#
    Small, pure column expressions shared by the staging models. They only
    clean one value of one row: no joins, no lookups, no aggregation.
#}

{# Free text and ids: trimmed, empty string -> null. #}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{# Enumerated codes (fuel, use, energy_type, relationship, factor keys ...):
   trimmed and lower-cased so that 'Natural_Gas ' matches 'natural_gas'.
   Apply the same macro to the reference side of a join. #}
{% macro normalize_code(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{# ISO codes (currency, country, credit registry): trimmed, upper-case. #}
{% macro normalize_iso_code(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}

{# Gas / refrigerant join key: 'HFC-134a' -> 'HFC134A', 'R-410A' -> 'R410A',
   'sf6' -> 'SF6'. Use it on both sides (ipcc_gwp100.species,
   refrigerant_blends.blend and .component) so spelling variants still match. #}
{% macro normalize_gas_key(column) -%}
    nullif(upper(regexp_replace(trim({{ column }}), '[\s_\-]', '', 'g')), '')
{%- endmacro %}

{#
    Contract type `period`: 'YYYY-MM' (also 'YYYY-M') for a month, 'YYYY' for
    a year. Anything else gives nulls (the not_null tests on period_start then
    fail loudly instead of the row silently dropping out of a year).
#}
{% macro period_start(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{4}-[0-9]{1,2}')
            then cast(try_strptime(trim({{ column }}), '%Y-%m') as date)
        when regexp_full_match(trim({{ column }}), '[0-9]{4}')
            then cast(try_strptime(trim({{ column }}), '%Y') as date)
    end
{%- endmacro %}

{% macro period_grain(column) -%}
    case
        when {{ period_start(column) }} is null then null
        when regexp_full_match(trim({{ column }}), '[0-9]{4}-[0-9]{1,2}') then 'month'
        else 'year'
    end
{%- endmacro %}

{% macro period_end(column) -%}
    case {{ period_grain(column) }}
        when 'month' then last_day({{ period_start(column) }})
        when 'year' then make_date(year({{ period_start(column) }}), 12, 31)
    end
{%- endmacro %}

{# The five period columns every model with a `period` has, in this order.
   `period` itself is re-spelled canonically ('2024-2' -> '2024-02'); an
   unparseable value is kept as reported so the failing row can be found. #}
{% macro period_columns(column='period') -%}
        case {{ period_grain(column) }}
            when 'month' then strftime({{ period_start(column) }}, '%Y-%m')
            when 'year' then strftime({{ period_start(column) }}, '%Y')
            else trim({{ column }})
        end as period,
        {{ period_start(column) }} as period_start,
        {{ period_end(column) }} as period_end,
        {{ period_grain(column) }} as period_grain,
        year({{ period_start(column) }}) as reporting_year
{%- endmacro %}

{#
    Lineage to the raw row, kept on every staging model and carried to
    fct_emissions.source_record_key:
    '<raw_table>:<file path below the landing root>#<row number in the file>',
    e.g. 'erp__fuel_consumption:erp/fuel_consumption/S100_2021.csv#12'.
    raw_table is passed as a literal (not source().identifier) so that dbt unit
    tests, which replace source() with a fixture, produce the same keys.
#}
{% macro lineage_columns(raw_table) -%}
        '{{ raw_table }}:' || _file_path || '#' || cast(_row_number as varchar) as source_record_key,
        _load_id as load_id,
        _file_sha256 as file_sha256,
        _loaded_at as loaded_at
{%- endmacro %}

{#
    The key of a meter x month row of fct_emissions (interval readings summed
    per meter x calendar month x unit x actual/estimated before any factor):
    'energy__meter_readings:<meter> <YYYY-MM> <unit>[ estimated]'. Built after
    the group-by, on the few meter-month rows, not on every reading.
    marts.fct_source_row_ranges resolves it to the readings it sums.
#}
{% macro meter_month_key(meter_id, period_start, unit, is_estimated) -%}
    'energy__meter_readings:' || coalesce({{ meter_id }}, '?') || ' ' || strftime({{ period_start }}, '%Y-%m')
        || ' ' || coalesce({{ unit }}, '?') || case when {{ is_estimated }} then ' estimated' else '' end
{%- endmacro %}
