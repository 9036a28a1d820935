-- Scope 2, location-based (docs/methods.md M-S2-01): purchased electricity (MWh) x the
-- grid average factor of the consumption year at the configured level
-- (var scope2_location_factor: national | regional | provincial), or the
-- carbon-market factor when var scope2_location_family = 'ets'.
-- Factor choice: the latest published year not after the consumption year,
-- at the configured level or nationally, the configured level winning within
-- a year; a fallback in year or level is flagged on the row. Purchased heat
-- and steam: GJ x 0.11 tCO2/GJ. Onsite renewable supply is not purchased
-- energy: its rows stay, with zero emissions and method onsite_renewable.
{% set level = var('scope2_location_factor') %}
{% set family = var('scope2_location_family') %}
{% set level_code = {'national': 'national', 'regional': 'grid_region', 'provincial': 'province'}[level] %}
with

consumption as (

    select * from {{ ref('int_energy_consumption_monthly') }}
    where calc_status = 'ok'
      and energy_type in ('electricity', 'heat', 'steam')

),

facilities as (

    select * from {{ ref('int_facilities_located') }}

),

grid as (

    select * from {{ ref('int_grid_factors') }}

),

heat_factor as (

    select 'other_reference_values:' || key as factor_id, value as t_co2_per_gj
    from {{ ref('other_reference_values') }}
    where key = 'cn_purchased_heat_default'

),

electricity as (

    select c.*, f.region_code, f.grid_region
    from consumption as c
    left join facilities as f
        on f.facility_id = c.facility_id
    where c.energy_type = 'electricity'

),

candidates as (

    select
        e.source_record_key,
        e.period_start,
        g.factor_id,
        g.data_year,
        g.level,
        g.t_co2_per_mwh,
        row_number() over (
            partition by e.source_record_key, e.period_start
            order by coalesce(g.data_year, 0) desc, case when g.level = '{{ level_code }}' then 0 else 1 end
        ) as preference
    from electricity as e
    inner join grid as g
    {% if family == 'ets' %}
        on g.factor_type = 'ets'
    {% else %}
        on g.factor_type = 'average'
        and g.data_year <= e.reporting_year
        and (
            g.level = 'national'
            {% if level_code == 'grid_region' %} or (g.level = 'grid_region' and g.region_code = e.grid_region){% endif %}
            {% if level_code == 'province' %} or (g.level = 'province' and g.region_code = cast(e.region_code as varchar)){% endif %}
        )
    {% endif %}

),

electricity_emissions as (

    select
        e.*,
        case when e.supply_type = 'onsite_renewable' then 'onsite_renewable'
             else 'location_{{ family }}_{{ level }}' end as method,
        c.factor_id,
        c.t_co2_per_mwh as factor_value,
        'tCO2/MWh' as factor_unit,
        {% if family == 'ets' %}false{% else %}coalesce(c.data_year < e.reporting_year, false){% endif %} as is_factor_year_fallback,
        coalesce(c.level <> '{{ level_code }}', false) as is_factor_level_fallback,
        case when e.supply_type = 'onsite_renewable' then 0.0
             else e.energy_mwh * c.t_co2_per_mwh end as co2_t,
        case when e.supply_type <> 'onsite_renewable' and c.factor_id is null then 'no_factor' else 'ok' end as factor_status
    from electricity as e
    left join candidates as c
        on c.source_record_key = e.source_record_key
        and c.period_start = e.period_start
        and c.preference = 1

),

heat_emissions as (

    select
        c.*,
        null::varchar as region_code,
        null::varchar as grid_region,
        'location_purchased_heat_default' as method,
        h.factor_id,
        h.t_co2_per_gj as factor_value,
        'tCO2/GJ' as factor_unit,
        false as is_factor_year_fallback,
        false as is_factor_level_fallback,
        c.energy_gj * h.t_co2_per_gj as co2_t,
        'ok' as factor_status
    from consumption as c
    cross join heat_factor as h
    where c.energy_type in ('heat', 'steam')

),

final as (

    select * from electricity_emissions
    union all by name
    select * from heat_emissions

)

select * from final
