-- Scope 3 categories 4 and 9, transport (docs/methods.md M-S3-03), as
-- factor-selection candidates of int_scope3_activities_prepared: shipments
-- inbound, or outbound paid by the company, are category 4 (upstream); outbound
-- not paid, category 9 (downstream). quantity = weight_t x distance_km in t.km,
-- factor key `freight:<mode>` (key_rank 1), then the bare mode (a group's own
-- factor). A direction other than inbound / outbound is unknown_direction, a
-- missing weight or distance no_quantity.
-- Grain: shipment x factor key.
-- Columns in the union's names (int_scope3_activities_prepared adds the
-- candidate id and the columns other branches leave null); a view: the rows
-- are stored once, in int_scope3_activities_prepared.
{{ config(materialized='view') }}
with

shipments as (

    select * from {{ ref('stg_procurement__shipments') }}

),

entities as (

    select * from {{ ref('int_scope3_entities_located') }}

),

shipment_activities as (

    select
        s.source_record_key || '|shipment' as activity_id,
        s.source_record_key,
        'procurement/shipments' as dataset_key,
        'shipment' as component,
        case
            when s.direction = 'inbound' then 4
            when s.direction = 'outbound' and s.is_paid_by_company then 4
            when s.direction = 'outbound' then 9
        end as scope3_category,
        s.entity_id,
        null::varchar as facility_id,
        s.reporting_year,
        s.shipment_date as period_start,
        s.shipment_date as period_end,
        'day' as period_grain,
        case
            when s.direction = 'inbound' or s.is_paid_by_company then 'upstream_transport'
            else 'downstream_transport'
        end as source_type,
        s.transport_mode as activity_code,
        s.weight_t as reported_quantity,
        't' as reported_unit,
        null::varchar as region_code,
        e.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        k.key_rank,
        'distance_based' as method,
        k.factor_key,
        s.weight_t * s.distance_km as quantity,
        't.km' as unit,
        case
            when s.direction not in ('inbound', 'outbound') or s.direction is null then 'unknown_direction'
            when s.weight_t is null or s.distance_km is null then 'no_quantity'
            else 'ready'
        end as candidate_status
    from shipments as s
    left join entities as e
        on e.entity_id = s.entity_id
    cross join lateral (
        values (1, 'freight:' || s.transport_mode), (2, s.transport_mode)
    ) as k(key_rank, factor_key)

)

select * from shipment_activities
