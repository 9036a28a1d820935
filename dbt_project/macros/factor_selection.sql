{#
    Factor selection (docs/methods.md M-FAC-02) for a relation of activities. Returns a
    select with one row per activity x gas of the chosen factor version, or one
    row with gas = null and a reason when no factor applies:
      custom factor before shipped; region-specific (province, then country)
      before global; among factors valid in the activity year the newest
      year_from; when none is valid for the year, the latest earlier one,
      flagged is_factor_year_fallback. A factor whose validity starts after
      the activity year is never used, except the first edition of a factor
      set published per year (registry column serves_earlier_years, DESNZ):
      when no edition is valid for or before the year, the earliest later one
      applies, flagged the same way. The activity's unit must have the same
      dimension as the factor's unit (no implicit conversion across
      dimensions); the quantity is converted within the dimension.
    activities must have: activity_id, factor_key, activity_year, quantity,
    unit, region_code (province code or null), country_code.
    per_gas=false returns one row per activity instead: the chosen factor
    version (factor_is_custom, factor_region, factor_year_from,
    factor_year_to, factor_unit; join_factor_gases expands it to its gases
    later), so a model that still has to choose among several candidates per
    activity does not carry every gas of every candidate.
#}
{% macro select_factors(activities, per_gas=true) -%}
with

acts as (

    select * from {{ activities }}

),

factors as (

    select * from {{ ref('int_factor_registry') }}

),

units as (

    select * from {{ ref('units') }}

),

-- The choice depends on the factor key, year, unit and place only, so it is
-- made once per distinct combination and joined back to the activities
-- (a million purchase lines share a few thousand keys).
selection_keys as (

    select distinct factor_key, activity_year, unit, region_code, country_code
    from acts

),

candidates as (

    select
        k.factor_key,
        k.activity_year,
        k.unit,
        k.region_code,
        k.country_code,
        f.is_custom,
        f.region_code as factor_region,
        f.year_from,
        f.year_to,
        f.activity_unit,
        f.factor_id,
        f.verification_status,
        au.factor_to_canonical / fu.factor_to_canonical as unit_ratio,
        case
            when f.region_code is null then 2
            when f.region_code = k.region_code then 0
            when f.region_code = k.country_code then 1
        end as region_rank,
        -- 0 valid for the year, 1 an earlier validity, 2 a later one (first editions only)
        case
            when f.year_from > k.activity_year then 2
            when f.year_to < k.activity_year then 1
            else 0
        end as year_position
    from selection_keys as k
    inner join factors as f
        on f.factor_key = k.factor_key
        and (f.year_from is null or f.year_from <= k.activity_year or coalesce(f.serves_earlier_years, false))
        and (f.region_code is null or f.region_code = k.region_code or f.region_code = k.country_code)
    inner join units as au
        on au.unit = k.unit
    inner join units as fu
        on fu.unit = f.activity_unit
        and fu.dimension = au.dimension
        and fu.canonical_unit = au.canonical_unit

),

ranked as (

    select
        *,
        row_number() over (
            partition by factor_key, activity_year, unit, region_code, country_code
            order by is_custom desc, region_rank, year_position,
                     -- the newest validity among valid or earlier ones, the earliest among later ones
                     case when year_position = 2 then -year_from else coalesce(year_from, 0) end desc,
                     coalesce(year_to, 9999) desc, activity_unit, factor_id
        ) as preference
    from candidates

),

chosen as (

    select * from ranked where preference = 1

),

-- the keys no factor fits, with the reason
unmatched_keys as (

    select
        k.*,
        case
            when k.factor_key is null then 'no_mapping'
            when not exists (select 1 from factors f where f.factor_key = k.factor_key) then 'no_factor'
            when not exists (select 1 from units u where u.unit = k.unit) then 'unknown_unit'
            when not exists (
                select 1 from factors f
                where f.factor_key = k.factor_key
                  and (f.year_from is null or f.year_from <= k.activity_year
                       or coalesce(f.serves_earlier_years, false))) then 'no_factor_for_year'
            else 'unit_mismatch'
        end as factor_status
    from selection_keys as k
    anti join chosen as c
        on {{ _same_selection_key('c', 'k') }}

),

versions as (

    select
        a.activity_id,
        c.is_custom as factor_is_custom,
        c.factor_region,
        c.year_from as factor_year_from,
        c.year_to as factor_year_to,
        c.activity_unit as factor_unit,
        c.verification_status as factor_verification_status,
        a.quantity * c.unit_ratio as factor_unit_quantity,
        c.year_position <> 0 as is_factor_year_fallback,
        concat_ws('; ',
            case when c.is_custom then 'group custom factor' else 'shipped factor' end,
            case c.region_rank when 0 then 'province-specific' when 1 then 'country-specific' else 'global' end,
            case c.year_position
                when 0 then 'valid for ' || a.activity_year
                when 1 then 'latest earlier validity (' || coalesce(cast(c.year_to as varchar), '?') || ') for '
                            || a.activity_year
                else 'first edition (' || c.year_from || ') for ' || a.activity_year || ', no earlier edition shipped'
            end
        ) as factor_selection_reason,
        'ok' as factor_status,
        c.factor_key
    from acts as a
    inner join chosen as c
        on {{ _same_selection_key('c', 'a') }}

),

missing as (

    select
        a.activity_id,
        null::boolean as factor_is_custom,
        null::varchar as factor_region,
        null::bigint as factor_year_from,
        null::bigint as factor_year_to,
        null::varchar as factor_unit,
        null::varchar as factor_verification_status,
        null::double as factor_unit_quantity,
        null::boolean as is_factor_year_fallback,
        null::varchar as factor_selection_reason,
        u.factor_status,
        a.factor_key
    from acts as a
    inner join unmatched_keys as u
        on {{ _same_selection_key('u', 'a') }}

)

{% if per_gas -%}
,

matched_gases as (

    select
        v.activity_id,
        f.gas,
        f.factor_id,
        f.t_per_unit,
        v.factor_unit_quantity,
        v.factor_unit,
        v.factor_unit_quantity * f.t_per_unit as gas_mass_t,
        v.is_factor_year_fallback,
        v.factor_selection_reason,
        v.factor_status
    from versions as v
    inner join factors as f
        on {{ join_factor_gases('v', 'f') }}

)

select * from matched_gases
union all
select
    activity_id,
    null::varchar as gas,
    null::varchar as factor_id,
    null::double as t_per_unit,
    factor_unit_quantity,
    factor_unit,
    null::double as gas_mass_t,
    is_factor_year_fallback,
    factor_selection_reason,
    factor_status
from missing
{%- else -%}
select * exclude (factor_key) from versions
union all by name
select * exclude (factor_key) from missing
{%- endif %}
{%- endmacro %}

{# The columns the factor choice depends on, matched null-safely (a null region or year is a key too). #}
{% macro _same_selection_key(left, right) -%}
    {%- for column in ['factor_key', 'activity_year', 'unit', 'region_code', 'country_code'] %}
        {% if not loop.first %}and {% endif %}{{ left }}.{{ column }} is not distinct from {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}

{# The factor rows (one per gas) of a chosen version: `chosen` has factor_key and the
   version columns of select_factors(per_gas=false), `registry` is int_factor_registry. #}
{% macro join_factor_gases(chosen, registry) -%}
    {{ registry }}.factor_key = {{ chosen }}.factor_key
        and {{ registry }}.is_custom = {{ chosen }}.factor_is_custom
        and {{ registry }}.activity_unit = {{ chosen }}.factor_unit
        and {{ registry }}.region_code is not distinct from {{ chosen }}.factor_region
        and {{ registry }}.year_from is not distinct from {{ chosen }}.factor_year_from
        and {{ registry }}.year_to is not distinct from {{ chosen }}.factor_year_to
{%- endmacro %}
