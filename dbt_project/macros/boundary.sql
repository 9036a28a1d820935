{#
    Share of an activity period that falls inside an entity's time in the
    group (docs/methods.md M-BND-02): monthly data counts whole months from the month of
    valid_from through the month of valid_to; annual (or any longer) data is
    pro-rated by days. Null window ends mean "always".
#}
{% macro membership_fraction(start_date, end_date, grain, from_date, to_date) -%}
    case
        when {{ grain }} = 'month' then
            case
                when ({{ from_date }} is null or {{ start_date }} >= date_trunc('month', {{ from_date }}))
                 and ({{ to_date }} is null or {{ start_date }} <= {{ to_date }})
                then 1.0 else 0.0
            end
        else
            greatest(
                0,
                datediff('day',
                    greatest({{ start_date }}, coalesce({{ from_date }}, {{ start_date }})),
                    least({{ end_date }}, coalesce({{ to_date }}, {{ end_date }}))) + 1
            )::double / (datediff('day', {{ start_date }}, {{ end_date }}) + 1)
    end
{%- endmacro %}

{#- True when the year is a reporting year of the inventory (docs/methods.md M-PER-01). The
    one rule every annual mart uses: int_reporting_years. -#}
{% macro in_reporting_years(year_column) -%}
    {{ year_column }} in (select reporting_year from {{ ref('int_reporting_years') }})
{%- endmacro %}

{#- The three consolidation approaches as rows (column consolidation_approach),
    for a cross join that computes every approach side by side (docs/methods.md M-BND-01). -#}
{% macro consolidation_approaches() -%}
    select 'equity_share' as consolidation_approach
    union all select 'operational_control'
    union all select 'financial_control'
{%- endmacro %}

{#- 1.0 when the entity belongs to the group on the last day of the year, else
    0.0: today's boundary of a base-year recalculation (docs/methods.md M-BASE-02). -#}
{% macro in_group_at_year_end(from_date, to_date, year) -%}
    case
        when ({{ from_date }} is null or {{ from_date }} <= make_date(({{ year }})::int, 12, 31))
         and ({{ to_date }} is null or {{ to_date }} >= make_date(({{ year }})::int, 12, 31))
        then 1.0 else 0.0
    end
{%- endmacro %}

{#- The current year of base-year recalculation and like-for-like comparisons: the last reporting year
    (int_reporting_years, docs/methods.md M-PER-01), as a scalar subquery. -#}
{% macro current_reporting_year() -%}
    (select max(reporting_year)::bigint from {{ ref('int_reporting_years') }})
{%- endmacro %}
