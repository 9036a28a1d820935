-- The emission ledger: one row per activity record x gas (x Scope 2 method) of the inventory years, with
-- co2e_t and the weights of each consolidation approach (macro emission_lines_weighted, which says how),
-- and the category 15 lines of the entity tree: the rows of the mart fct_emissions, which the base-year
-- and target models read here. Stored in two tables, the purchase lines' (every year: kept here for
-- the inventory years) and the others', so that a new month of readings rewrites only the second.
-- The years by an inner join, not `in (select ...)`: DuckDB guessed a semi-join keeps 4 % of the 3.5 M
-- purchase lines of scale M and built its readers' hash tables on them (int_baseline__method_triggers
-- 1.6 s -> 3 s).
{{ config(materialized='view') }}
select * from {{ ref('int_emission_lines_weighted__others') }}
union all by name
select p.*
from {{ ref('int_emission_lines_weighted__purchases') }} as p
inner join (select distinct reporting_year from {{ ref('int_inventory_years') }}) as y
    on y.reporting_year = p.reporting_year
