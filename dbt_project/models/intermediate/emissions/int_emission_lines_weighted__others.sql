-- The weighted lines of every other emission line (Scope 1, Scope 2, the Scope 3 activities and
-- investments, the entity tree's category 15) of the inventory years: macro emission_lines_weighted.
{{ emission_lines_weighted(ref('int_emission_lines__others')) }}
