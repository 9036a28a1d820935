-- Nothing is silently zero (docs/methods.md M-UNE-01): every Scope 3 activity is either
-- estimated (exactly one chosen candidate) or listed as unestimated, never
-- both, never neither. Returns the offending activities.
with

candidates as (

    select activity_id, count(distinct candidate_id) filter (where is_chosen) as chosen_candidates
    from {{ ref('int_scope3_candidates_factored') }}
    group by activity_id

),

unestimated as (

    select activity_id from {{ ref('int_scope3_unestimated') }}

)

select c.activity_id, c.chosen_candidates, u.activity_id is not null as is_listed
from candidates as c
left join unestimated as u
    on u.activity_id = c.activity_id
where c.chosen_candidates > 1
   or (c.chosen_candidates = 1 and u.activity_id is not null)
   or (c.chosen_candidates = 0 and u.activity_id is null)
