-- The benchmark's floor (`make bench`): one hand-written DuckDB script over a
-- landing folder, no framework. It loads the big datasets and computes Scope 1
-- combustion (CO2, default factors), Scope 2 location-based (national grid
-- factor of the year or the latest earlier one, readings calendarised to
-- months) and Scope 3 category 1 spend-based (EPA supply-chain factors with
-- margins, spend converted to USD) for the three consolidation approaches.
-- What the product does on top (contract checks, quarantine, lineage, the data
-- quality plan, every other rule, reports, manifest) is what the ratio prices.
-- '{landing}' is replaced by the landing folder, {fuel_files} by the list of
-- its UTF-8 fuel files (DuckDB reads no GB18030 offline: the floor skips the
-- sample's one GB18030 export with Chinese headers, which the product reads
-- through the folder's mapping; that only makes the floor cheaper).

set enable_progress_bar = false;

create or replace table entities as
select * from read_csv('{landing}/erp/entities/*.csv', header = true, all_varchar = true);

create or replace table facilities as
select * from read_csv('{landing}/erp/facilities/*.csv', header = true, all_varchar = true);

create or replace table meters as
select * from read_csv('{landing}/energy/meters/*.csv', header = true, all_varchar = true);

create or replace table readings as
select meter_id, reading_start, reading_end, quantity, unit
from read_parquet('{landing}/energy/meter_readings/*.parquet', union_by_name = true)
union all
select meter_id, cast(reading_start as timestamp), cast(reading_end as timestamp), cast(quantity as double), unit
from read_csv('{landing}/energy/meter_readings/*.csv', header = true, all_varchar = true);

create or replace table fuel as
select facility_id, period, fuel, cast(quantity as double) as quantity, unit
from read_csv({fuel_files}, header = true, all_varchar = true);

create or replace table purchases as
select entity_id, invoice_date, category_code, spend_amount, currency
from read_parquet('{landing}/procurement/purchases/*.parquet', union_by_name = true);

create or replace table category_map as
select * from read_csv('{landing}/procurement/category_map/*.csv', header = true, all_varchar = true);

create or replace table fx as
select currency, cast(year as integer) as year, cast(units_per_usd as double) as units_per_usd
from read_csv('{landing}/reference/fx_rates/*.csv', header = true, all_varchar = true);

create or replace table fuel_factors as
select fuel, cast(ncv as double) * cast(carbon_content_tc_per_gj as double)
            * cast(oxidation_fraction as double) * 44 / 12 as t_co2_per_unit
from read_csv('seeds/cn_fuel_defaults.csv', header = true, all_varchar = true);

create or replace table grid as
select cast(data_year as integer) as data_year, cast(value as double) as t_per_mwh
from read_csv('seeds/cn_electricity_co2_factors_mee_nbs.csv', header = true, all_varchar = true)
where level = 'national' and factor_type = 'average';

-- the EPA factors are shipped per gas: kg CO2e per USD = sum of kg of each gas x
-- its AR6 GWP100 (the unspecified HFCs and PFCs are published in CO2e)
create or replace table spend_factors as
with gwp as (
    select * from (values
        ('Carbon dioxide', 'CO2'), ('Methane', 'CH4'), ('Nitrous oxide', 'N2O'), ('HFC-23', 'HFC23'),
        ('HFC-32', 'HFC32'), ('HFC-125', 'HFC125'), ('HFC-134a', 'HFC134a'), ('HFC-143a', 'HFC143a'),
        ('HFC-236fa', 'HFC236fa'), ('Carbon tetrafluoride', 'CF4'), ('Hexafluoroethane', 'C2F6'),
        ('Perfluoropropane', 'C3F8'), ('Perfluorobutane', 'C4F10'), ('Perfluorocyclobutane', 'cC4F8'),
        ('Perfluorohexane', 'C6F14'), ('Sulfur hexafluoride', 'SF6'), ('Nitrogen trifluoride', 'NF3')
    ) as m(epa_gas, species)
    join read_csv('seeds/ipcc_gwp100.csv', header = true, all_varchar = true) as g
        on g.Species = m.species
)
select 'naics:' || e."2017 NAICS Code" as spend_factor_key,
       sum(cast(e."Supply Chain Emission Factors with Margins" as double)
           * case when e.GHG = 'Carbon dioxide' or e.GHG = 'HFCs and PFCs, unspecified' then 1.0
                  else cast(g.AR6GWP100 as double) end) as kg_per_usd
from read_csv('seeds/epa_supply_chain_factors_v1_3_naics_bygas_usd2022.csv', header = true, all_varchar = true) as e
left join gwp as g
    on g.epa_gas = e.GHG
group by 1;

-- weights: equity share multiplied down the ownership chain; control 1 while
-- every link up to the root is controlled
create or replace table weights as
with recursive chain as (
    select entity_id, 1.0 as equity, true as operational, true as financial
    from entities where coalesce(parent_entity_id, '') = ''
    union all
    select e.entity_id,
           c.equity * cast(e.equity_pct as double) / 100,
           c.operational and lower(e.operational_control) = 'true',
           c.financial and e.financial_control = 'full'
    from entities as e join chain as c on e.parent_entity_id = c.entity_id
)
select entity_id, equity as w_equity, case when operational then 1.0 else 0.0 end as w_operational,
       case when financial then 1.0 else 0.0 end as w_financial
from chain;

create or replace table emissions as
with pieces as (
    select r.meter_id, r.quantity, r.unit, r.reading_start, r.reading_end,
           unnest(generate_series(date_trunc('month', r.reading_start),
                                  date_trunc('month', r.reading_end - interval 1 microsecond),
                                  interval 1 month)) as month_start
    from readings as r where r.reading_end > r.reading_start
),
monthly as (
    select meter_id, year(month_start) as year,
           sum(quantity * (epoch(least(reading_end, month_start + interval 1 month))
                           - epoch(greatest(reading_start, month_start)))
               / (epoch(reading_end) - epoch(reading_start))
               * case unit when 'kWh' then 0.001 when 'MWh' then 1 end) as mwh
    from pieces group by all
),
scope2 as (
    select f.entity_id, m.year, '2' as scope,
           m.mwh * (select g.t_per_mwh from grid as g where g.data_year <= m.year
                    order by g.data_year desc limit 1) as co2e_t
    from monthly as m
    join meters as mt on mt.meter_id = m.meter_id and mt.energy_type = 'electricity' and mt.supply = 'grid'
    join facilities as f on f.facility_id = mt.facility_id
),
scope1 as (
    select f.entity_id, cast(left(u.period, 4) as integer) as year, '1' as scope,
           u.quantity * ff.t_co2_per_unit as co2e_t
    from fuel as u
    join fuel_factors as ff on ff.fuel = u.fuel
    join facilities as f on f.facility_id = u.facility_id
),
scope3 as (
    select p.entity_id, year(p.invoice_date) as year, '3' as scope,
           p.spend_amount / coalesce(x.units_per_usd, 1) * sf.kg_per_usd / 1000 as co2e_t
    from purchases as p
    join category_map as c on c.category_code = p.category_code and c.scope3_category = '1'
    join spend_factors as sf on sf.spend_factor_key = c.spend_factor_key
    left join fx as x on x.currency = p.currency and x.year = year(p.invoice_date)
)
select * from scope1 union all select * from scope2 union all select * from scope3;

create or replace table floor_totals as
select e.year, e.scope,
       sum(e.co2e_t * w.w_equity) as equity_share_t,
       sum(e.co2e_t * w.w_operational) as operational_control_t,
       sum(e.co2e_t * w.w_financial) as financial_control_t
from emissions as e join weights as w on w.entity_id = e.entity_id
group by all;
