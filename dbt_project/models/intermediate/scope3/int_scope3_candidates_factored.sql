-- Every Scope 3 candidate, factored and chosen (docs/methods.md M-S3-01 and M-FAC-02): the view of
-- the two branches, int_scope3_candidates_factored__purchases and
-- int_scope3_candidates_factored__activities, made by one macro (scope3_factored_candidates in
-- macros/scope3_lines.sql, where the columns and the choice are described). An activity's
-- candidates all lie in one branch.
{{ config(materialized='view') }}

select * from {{ ref('int_scope3_candidates_factored__purchases') }}
union all by name
select * from {{ ref('int_scope3_candidates_factored__activities') }}
