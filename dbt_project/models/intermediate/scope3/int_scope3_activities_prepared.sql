-- Scope 3 activities other than purchases and investments (docs/methods.md
-- M-S3-03), as factor-selection candidates: one row per activity x factor key
-- (x unit) it may use. The first key is the documented one; the others let a
-- group's own factor keyed by the bare mode or treatment ('road', 'landfill')
-- apply. Among the keys that have a factor, a group custom factor wins, then
-- the lower key_rank, then the lower unit_rank (int_scope3_candidates_factored).
-- One branch per category, each a view with the formula of its category:
--   3    int_scope3_activities__fuel_energy          well-to-tank of Scope 1
--        fuels; upstream and T&D losses of purchased electricity
--   4, 9 int_scope3_activities__shipments            weight_t x distance_km (t.km)
--   5    int_scope3_activities__waste                quantity x waste factor
--   6    int_scope3_activities__business_travel      passenger.km / vehicle.km
--   7    int_scope3_activities__employee_commuting   commuting survey
--   any  int_scope3_activities__other_value_chain    procurement/other_value_chain
-- Here the branches are unioned and each candidate gets its id and the
-- columns of the spend branch (int_scope3_purchases_prepared) left null.
with

fuel_energy as (

    select * from {{ ref('int_scope3_activities__fuel_energy') }}

),

shipments as (

    select * from {{ ref('int_scope3_activities__shipments') }}

),

waste as (

    select * from {{ ref('int_scope3_activities__waste') }}

),

business_travel as (

    select * from {{ ref('int_scope3_activities__business_travel') }}

),

employee_commuting as (

    select * from {{ ref('int_scope3_activities__employee_commuting') }}

),

other_value_chain as (

    select * from {{ ref('int_scope3_activities__other_value_chain') }}

),

unioned as (

    select * from fuel_energy
    union all by name
    select * from shipments
    union all by name
    select * from waste
    union all by name
    select * from business_travel
    union all by name
    select * from employee_commuting
    union all by name
    select * from other_value_chain

),

final as (

    select
        activity_id,
        -- the documented unit keeps the plain id; a second unit adds it
        activity_id || '#1.' || key_rank
            || case when coalesce(unit_rank, 1) > 1 then '.' || unit else '' end as candidate_id,
        1 as method_rank,
        key_rank,
        coalesce(unit_rank, 1) as unit_rank,
        method,
        factor_key,
        reporting_year as activity_year,
        quantity,
        unit,
        region_code,
        country_code,
        candidate_status,
        base_data_quality_score,
        null::varchar as spend_currency,
        null::integer as invoice_year,
        null::double as fx_line_units_per_usd,
        null::double as fx_factor_units_per_usd,
        assumption_note,
        source_record_key,
        dataset_key,
        component,
        scope3_category,
        entity_id,
        facility_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        source_type,
        activity_code,
        null::double as reported_spend_amount,
        null::varchar as reported_currency_code,
        reported_quantity,
        reported_unit
    from unioned

)

select * from final
