-- The purchase lines' Scope 3 candidates (categories 1 and 2), factored and chosen: macro
-- scope3_factored_candidates (macros/scope3_lines.sql), the branch that no reading reaches, so one
-- more month of interval data leaves it as it is. Purchases have one unit per candidate (unit_rank null).
{{ scope3_factored_candidates("(select *, null::integer as unit_rank from " ~ ref('int_scope3_purchases_prepared') ~ ")") }}
