-- Process emissions against the chemistry (docs/methods.md M-S1-03; pipelines/lib/contract.py,
-- erp/process_activity purity_fraction): per facility x process x product x
-- year, the process CO2 per tonne of the product made there, against the
-- most CO2 the reaction can release per tonne of that product
-- (seed process_stoichiometry: 0.785 t CO2 per t CaO for limestone
-- calcination). share_of_maximum above 1 means more CO2 than chemistry
-- allows: the input quantity, its purity, the factor or the production is
-- wrong. Judged per year, not per month: a kiln's stock of limestone and lime
-- moves between months (the sample's F16 runs 0.62-0.82 month by month and
-- 0.70-0.77 a year). Only processes and products the seed knows are judged.
with

process as (

    select
        facility_id,
        reporting_year,
        process_key,
        {{ exact_sum('gas_mass_t') }} as process_co2_t,
        count(*) as records,
        min(source_record_key) as source_record_key
    from {{ ref('int_process_activity_factored') }}
    where gas = 'CO2' and factor_status = 'ok'
    group by all

),

production as (

    select
        p.facility_id,
        p.reporting_year,
        lower(p.product) as product,
        {{ exact_sum('p.quantity * u.factor_to_canonical') }} as product_t
    from {{ ref('stg_erp__production') }} as p
    inner join {{ ref('units') }} as u
        on u.unit = p.unit
        and u.canonical_unit = 't'
    group by all

),

limits as (

    select process, lower(product) as product, max_co2_t_per_t, reaction
    from {{ ref('process_stoichiometry') }}

),

final as (

    select
        'erp/process_activity' as dataset_key,
        'facility' as subject_type,
        p.facility_id as subject_id,
        p.facility_id,
        p.process_key,
        l.product,
        l.reaction,
        p.reporting_year,
        p.reporting_year::varchar as period,
        p.process_co2_t,
        q.product_t,
        p.process_co2_t / q.product_t as co2_t_per_t,
        l.max_co2_t_per_t,
        p.process_co2_t / (q.product_t * l.max_co2_t_per_t) as share_of_maximum,
        p.records,
        p.source_record_key
    from process as p
    inner join limits as l
        on l.process = p.process_key
    inner join production as q
        on q.facility_id = p.facility_id
        and q.reporting_year = p.reporting_year
        and q.product = l.product
    where q.product_t > 0

)

select * from final
