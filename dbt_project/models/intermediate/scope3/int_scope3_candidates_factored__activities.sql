-- The other Scope 3 activities' candidates (categories 3 to 9 and other value chain), factored and
-- chosen: macro scope3_factored_candidates (macros/scope3_lines.sql). Category 3 is computed from
-- fuels and purchased electricity, so the readings reach this branch and not the purchases'.
{{ scope3_factored_candidates(ref('int_scope3_activities_prepared')) }}
