-- The purchase lines' Scope 3 emissions, one row per line x gas of the chosen factor version:
-- macro scope3_emission_lines (macros/scope3_lines.sql) over int_scope3_candidates_factored__purchases.
-- A view: its one reader of every row and column, int_emission_lines_weighted__purchases, stores them
-- (with the weights); the other readers take a few columns. As a table it wrote 3.5 M rows at scale M
-- once more (10.6 s of the build's longest chain, against ~6.5 s more in the weighted table's build).
{{ config(materialized='view') }}
{{ scope3_emission_lines(ref('int_scope3_candidates_factored__purchases')) }}
