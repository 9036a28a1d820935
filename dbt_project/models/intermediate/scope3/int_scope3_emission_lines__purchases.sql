-- The purchase lines' Scope 3 emissions, one row per line x gas of the chosen factor version:
-- macro scope3_emission_lines (macros/scope3_lines.sql) over int_scope3_candidates_factored__purchases.
{{ scope3_emission_lines(ref('int_scope3_candidates_factored__purchases')) }}
