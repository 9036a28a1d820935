-- Scope 2, market-based (docs/methods.md M-S2-02, M-S2-03). The rows of int_scope2_location
-- (one per reading-month piece, same columns) with market-based factors:
-- * a purchased-electricity piece (supply grid / third_party) is split into
--   one row per instrument allocated to its facility-year
--   (int_scope2_instrument_allocation) and one residual row. The covered MWh
--   of a facility-year are spread over its pieces pro rata to piece MWh
--   (annual matching), so each piece gets allocated_mwh / purchased MWh of
--   its facility-year from every instrument;
-- * covered part: x the instrument's emission_factor_t_per_mwh (0 for
--   renewable attributes, the supplier's rate for supplier_specific),
--   method market_instrument_<type>;
-- * residual part (possibly 0 MWh, the row is kept so every piece shows its
--   split): x the national MEE/NBS factor "excluding market-traded non-fossil
--   electricity" (China's stand-in for a residual mix, published nationally
--   only) of the consumption year, or of the latest earlier year flagged
--   is_factor_year_fallback; method market_residual_mix. A year with no such
--   factor at all (2021 and earlier) takes the location-based factor of the
--   piece (configured level and family, as int_scope2_location chose it),
--   method market_location_fallback, flagged is_location_factor_fallback and
--   is_factor_year_fallback;
-- * purchased heat and steam: GJ x 0.11 as location-based,
--   method market_purchased_heat_default; onsite renewable: zero,
--   method onsite_renewable.
-- energy_mwh / energy_gj are the row's part of the piece, so they sum over
-- the rows of a piece to the piece's consumption; allocated_mwh is the same
-- MWh (null for heat and steam), piece_energy_mwh the whole piece.
-- Excess instrument MWh never lowers emissions: allocation stops at the MWh
-- consumed and the rest is reported as unused (fct_scope2_instruments).
with

location as (

    select * from {{ ref('int_scope2_location') }}

),

allocation as (

    select * from {{ ref('int_scope2_instrument_allocation') }}

),

residual_mix as (

    select * from {{ ref('int_grid_factors') }}
    where factor_type = 'average_excl_market_traded_nonfossil'
      and level = 'national'

),

purchased as (

    select * from location
    where energy_type = 'electricity'
      and supply_type in ('grid', 'third_party')

),

facility_years as (

    select
        facility_id,
        reporting_year,
        any_value(facility_purchased_mwh) as purchased_mwh,
        any_value(facility_uncovered_mwh) as uncovered_mwh
    from allocation
    group by facility_id, reporting_year

),

residual_factors as (

    select
        y.reporting_year,
        r.factor_id,
        r.data_year,
        r.t_co2_per_mwh
    from (select distinct reporting_year from purchased) as y
    inner join residual_mix as r
        on r.data_year <= y.reporting_year
    qualify row_number() over (partition by y.reporting_year order by r.data_year desc) = 1

),

covered as (

    select
        p.* exclude (energy_mwh, energy_gj, method, factor_id, factor_value, factor_unit,
                     is_factor_year_fallback, is_factor_level_fallback, co2_t, factor_status),
        p.energy_mwh as piece_energy_mwh,
        p.energy_gj as piece_energy_gj,
        a.allocated_mwh / a.facility_purchased_mwh as piece_share,
        'market_instrument_' || a.instrument_type as method,
        'energy__renewable_instruments:' || a.instrument_id as factor_id,
        a.emission_factor_t_per_mwh as factor_value,
        'tCO2/MWh' as factor_unit,
        false as is_factor_year_fallback,
        false as is_factor_level_fallback,
        false as is_location_factor_fallback,
        'contractual instrument ' || a.instrument_id || ' (' || a.instrument_type || ', '
            || a.instrument_period || '), allocation step ' || a.allocation_step as factor_selection_reason,
        'ok' as factor_status,
        a.instrument_id
    from purchased as p
    inner join allocation as a
        on a.facility_id = p.facility_id
        and a.reporting_year = p.reporting_year
    where a.allocated_mwh > 0

),

residual as (

    select
        p.* exclude (energy_mwh, energy_gj, method, factor_id, factor_value, factor_unit,
                     is_factor_year_fallback, is_factor_level_fallback, co2_t, factor_status),
        p.energy_mwh as piece_energy_mwh,
        p.energy_gj as piece_energy_gj,
        case when coalesce(f.purchased_mwh, 0) > 0 then f.uncovered_mwh / f.purchased_mwh else 1.0 end
            as piece_share,
        case when r.factor_id is not null then 'market_residual_mix' else 'market_location_fallback' end
            as method,
        coalesce(r.factor_id, p.factor_id) as factor_id,
        coalesce(r.t_co2_per_mwh, p.factor_value) as factor_value,
        'tCO2/MWh' as factor_unit,
        case when r.factor_id is not null then r.data_year < p.reporting_year else true end
            as is_factor_year_fallback,
        case when r.factor_id is not null then false else p.is_factor_level_fallback end
            as is_factor_level_fallback,
        r.factor_id is null as is_location_factor_fallback,
        case
            when r.data_year = p.reporting_year
                then 'residual mix: national factor excluding market-traded non-fossil electricity of the consumption year'
            when r.factor_id is not null
                then 'fallback: residual mix of the latest earlier year ' || r.data_year
            else 'fallback: no residual mix published up to the consumption year; location-based factor'
        end as factor_selection_reason,
        case when coalesce(r.factor_id, p.factor_id) is null then 'no_factor' else 'ok' end as factor_status,
        null::varchar as instrument_id
    from purchased as p
    left join facility_years as f
        on f.facility_id = p.facility_id
        and f.reporting_year = p.reporting_year
    left join residual_factors as r
        on r.reporting_year = p.reporting_year

),

electricity_parts as (

    select
        * exclude (piece_share, piece_energy_gj),
        piece_energy_mwh * piece_share as energy_mwh,
        piece_energy_gj * piece_share as energy_gj,
        piece_energy_mwh * piece_share as allocated_mwh,
        piece_energy_mwh * piece_share * factor_value as co2_t
    from (
        select * from covered
        union all by name
        select * from residual
    )

),

onsite as (

    select
        *,
        energy_mwh as piece_energy_mwh,
        energy_mwh as allocated_mwh,
        false as is_location_factor_fallback,
        'onsite renewable generation consumed on site: not purchased energy, zero' as factor_selection_reason,
        null::varchar as instrument_id
    from location
    where energy_type = 'electricity'
      and supply_type = 'onsite_renewable'

),

heat as (

    select
        * replace ('market_purchased_heat_default' as method),
        energy_mwh as piece_energy_mwh,
        null::double as allocated_mwh,
        false as is_location_factor_fallback,
        'purchased heat and steam: Chinese guideline default, as location-based' as factor_selection_reason,
        null::varchar as instrument_id
    from location
    where energy_type in ('heat', 'steam')

),

unioned as (

    select * from electricity_parts
    union all by name
    select * from onsite
    union all by name
    select * from heat

),

final as (

    -- the columns of int_scope2_location (whatever it adds, by name), then
    -- the market-based ones
    select
        * exclude (instrument_id, allocated_mwh, piece_energy_mwh, is_location_factor_fallback,
                   factor_selection_reason),
        instrument_id,
        allocated_mwh,
        piece_energy_mwh,
        is_location_factor_fallback,
        factor_selection_reason
    from unioned

)

select * from final
