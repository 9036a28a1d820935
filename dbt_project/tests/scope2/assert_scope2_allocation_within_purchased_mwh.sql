-- Market-based Scope 2 (docs/methods.md M-S2-02): instruments are never allocated beyond
-- the purchased electricity (grid / third_party) a facility consumed in the
-- year, counted here independently of the allocation model's own totals.
with

allocated as (

    select facility_id, reporting_year, sum(allocated_mwh) as allocated_mwh
    from {{ ref('int_scope2_instrument_allocation') }}
    group by facility_id, reporting_year

),

purchased as (

    select facility_id, reporting_year, sum(energy_mwh) as purchased_mwh
    from {{ ref('int_energy_consumption_monthly') }}
    where calc_status = 'ok'
      and energy_type = 'electricity'
      and supply_type in ('grid', 'third_party')
    group by facility_id, reporting_year

)

select a.*, p.purchased_mwh
from allocated as a
left join purchased as p
    on p.facility_id = a.facility_id
    and p.reporting_year = a.reporting_year
where a.allocated_mwh > coalesce(p.purchased_mwh, 0) * (1 + 1e-12) + 1e-9
