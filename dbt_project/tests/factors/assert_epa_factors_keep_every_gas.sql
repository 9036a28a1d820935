-- Every NAICS code of the EPA by-gas seed has its five registry rows (CO2, CH4,
-- N2O, the fluorinated gases weighed with the configured GWP set, the
-- unspecified HFCs and PFCs): a fluorinated gas without a GWP in the configured
-- set, or an EPA gas name the model does not map, would drop or shrink a code.
-- Returns the codes that differ.
with

seed as (

    select "2017 NAICS Code" as naics_code, count(*) as seed_rows
    from {{ ref('epa_supply_chain_factors_v1_3_naics_bygas_usd2022') }}
    group by 1

),

registry as (

    select split_part(factor_key, ':', 2) as naics_code, count(*) as registry_rows
    from {{ ref('int_factors__epa_supply_chain') }}
    group by 1

)

select s.naics_code, s.seed_rows, r.registry_rows
from seed as s
left join registry as r
    on r.naics_code = s.naics_code
where s.seed_rows <> 18 or r.registry_rows is distinct from 5
