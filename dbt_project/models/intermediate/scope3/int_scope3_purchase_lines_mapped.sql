-- Purchase lines (Scope 3 categories 1 and 2, docs/methods.md M-S3-01) with their
-- mapping: the line's category_map row (has_mapping, its spend and activity
-- factor keys), its Scope 3 category (is_capital -> category 2, else the
-- category_map's category, 1 when it has none), its entity's country
-- (int_scope3_entities_located) and whether its supplier reported a footprint
-- for the line's category code and invoice year (has_supplier_footprint: the
-- supplier-specific candidate). Grain: one row per purchase line. A view, read
-- by int_scope3_purchases_prepared only: it is computed inside that model's
-- query, never stored.
{{ config(materialized='view') }}
with

purchases as (

    select * from {{ ref('stg_procurement__purchases') }}

),

category_map as (

    select * from {{ ref('stg_procurement__category_map') }}

),

footprints as (

    select distinct supplier_id, category_code, footprint_year
    from {{ ref('stg_procurement__supplier_footprints') }}

),

entities as (

    select * from {{ ref('int_scope3_entities_located') }}

),

lines as (

    select
        p.*,
        m.category_code is not null as has_mapping,
        m.spend_factor_key,
        m.activity_factor_key,
        case when p.is_capital then 2 else coalesce(m.scope3_category, 1) end as scope3_category,
        e.country_code,
        f.supplier_id is not null as has_supplier_footprint
    from purchases as p
    left join category_map as m
        on m.category_code = p.category_code
    left join entities as e
        on e.entity_id = p.entity_id
    left join footprints as f
        on f.supplier_id = p.supplier_id
        and f.category_code = p.category_code
        and f.footprint_year = p.reporting_year

)

select * from lines
