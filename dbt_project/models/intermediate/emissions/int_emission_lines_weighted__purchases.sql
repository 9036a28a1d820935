-- The weighted lines of the purchase lines' Scope 3 (categories 1 and 2 from procurement/purchases, a
-- million lines and 3.5 M gas lines at scale M), every year: macro emission_lines_weighted. Its own
-- table so that a new month of readings, which reaches the inventory years and the other lines, leaves
-- these rows as they are; int_emission_lines_weighted keeps those of the inventory years.
{{ emission_lines_weighted(ref('int_scope3_emission_lines__purchases'), inventory_years_only=false,
                           with_investments=false) }}
