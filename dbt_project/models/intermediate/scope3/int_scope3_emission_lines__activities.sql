-- The other Scope 3 activities' emissions, one row per activity x gas, and category 15 (investee
-- Scope 1 + 2 x equity): macro scope3_emission_lines (macros/scope3_lines.sql) over
-- int_scope3_candidates_factored__activities and int_scope3_investments_apportioned.
{{ scope3_emission_lines(ref('int_scope3_candidates_factored__activities'),
                         investments=ref('int_scope3_investments_apportioned')) }}
