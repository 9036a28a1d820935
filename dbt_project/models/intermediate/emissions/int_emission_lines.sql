-- Every computed emission, one row per activity record x gas (x Scope 2 method), before GWPs and
-- boundary weights are applied (fct_emissions does that): int_emission_lines__others (Scope 1, Scope 2,
-- the Scope 3 activities; gwp_gas_key says which GWP applies) and the purchase lines' Scope 3
-- (int_scope3_emission_lines__purchases), the branches int_emission_lines_weighted weighs apart.
-- A view: int_emission_lines_weighted's two tables store the rows; its other readers take a few
-- columns (years, periods, rows outside the years).
{{ config(materialized='view') }}
select * from {{ ref('int_emission_lines__others') }}
union all by name
select * from {{ ref('int_scope3_emission_lines__purchases') }}
