-- The country of each entity, for choosing country-specific Scope 3 factors
-- of activities reported per entity (purchases, shipments, travel, commuting):
-- the country of its facilities when they all lie in one country; otherwise
-- (no facility, or several countries) none, and only global factors apply.
with

facilities as (

    select * from {{ ref('stg_erp__facilities') }}

),

final as (

    select
        entity_id,
        case when count(distinct country_code) = 1 then any_value(country_code) end as country_code
    from facilities
    where entity_id is not null and country_code is not null
    group by entity_id

)

select * from final
