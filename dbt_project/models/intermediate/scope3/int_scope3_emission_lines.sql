-- Every computed Scope 3 emission (docs/methods.md "Scope 3"), one row per activity x gas, in the
-- column set of the branches of int_emission_lines (which reads the two branches apart, the activities
-- through int_emission_lines__others): the view of the purchase lines' branch
-- (int_scope3_emission_lines__purchases) and the other activities' and investments'
-- (int_scope3_emission_lines__activities), made by one macro (scope3_emission_lines in
-- macros/scope3_lines.sql, where the columns are described).
{{ config(materialized='view') }}

select * from {{ ref('int_scope3_emission_lines__purchases') }}
union all
select * from {{ ref('int_scope3_emission_lines__activities') }}
