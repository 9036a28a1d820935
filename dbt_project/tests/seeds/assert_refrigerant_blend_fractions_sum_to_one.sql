-- A blend's GWP is Σ mass_fraction × GWP(component): the fractions must add up
-- to 1 (to rounding) or the blend's CO2e would be over- or understated.

with

blends as (
    select * from {{ ref('refrigerant_blends') }}
),

totals as (
    select blend, sum(mass_fraction) as total_fraction
    from blends
    group by blend
)

select *
from totals
where abs(total_fraction - 1) > 1e-6
