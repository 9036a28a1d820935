-- The extraction maps a unit spelling through unit_synonyms and passes unit
-- codes through unchanged: a synonym equal to a code would make that mapping
-- ambiguous, and a synonym that differs from another only by case must map to
-- the same unit (the lookup may be case-insensitive).

with

units as (
    select * from {{ ref('units') }}
),

synonyms as (
    select * from {{ ref('unit_synonyms') }}
),

synonym_is_a_code as (
    select synonyms.synonym, synonyms.unit, 'synonym equals a unit code' as problem
    from synonyms
    inner join units
        on synonyms.synonym = units.unit
),

case_conflicts as (
    select lower(synonym) as synonym, string_agg(distinct unit, ', ') as unit, 'case variants map to different units' as problem
    from synonyms
    group by lower(synonym)
    having count(distinct unit) > 1
),

code_case_conflicts as (
    select synonyms.synonym, synonyms.unit, 'synonym differs from another unit code only by case' as problem
    from synonyms
    inner join units
        on lower(synonyms.synonym) = lower(units.unit)
        and synonyms.unit <> units.unit
)

select * from synonym_is_a_code
union all
select * from case_conflicts
union all
select * from code_case_conflicts
