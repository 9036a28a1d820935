-- The emission ledger: one row per activity record x gas (x Scope 2 method),
-- co2e_t = gas_mass_t x GWP100 of the configured set (var gwp_set), unweighted,
-- with each row's weight under the three consolidation approaches (docs/methods.md M-BND-01)
-- and source_record_key pointing at the raw row. The rows and their rules are
-- those of int_emission_lines_weighted (intermediate/emissions/), which the
-- base-year and target models read too: the mart publishes them under its
-- contract. A view: the rows are stored once, in the intermediate table (a
-- second copy cost 300 MB at scale M).
{{ config(materialized='view') }}
with

lines as (

    select * from {{ ref('int_emission_lines_weighted') }}

)

select * from lines
