-- Carbon credit serials used once (T/CAS 612 6.7): registries issue credits
-- in serial blocks '<project and vintage>-<first>-<last>'. One row per credit
-- record with its block and the number of other records whose block overlaps
-- it (the same tonnes held or retired twice). A serial that is not a block
-- is its own block of one. Identical serials are also caught on load.
with

credits as (

    select * from {{ ref('stg_erp__carbon_credits') }}

),

blocks as (

    select
        serial,
        entity_id,
        registry,
        vintage_year,
        quantity_t,
        credit_status,
        coalesce(retired_for_year, vintage_year) as reporting_year,
        source_record_key,
        case when regexp_full_match(serial, '.+-[0-9]+-[0-9]+')
            then regexp_extract(serial, '^(.+)-([0-9]+)-([0-9]+)$', 1) else serial end as block_prefix,
        case when regexp_full_match(serial, '.+-[0-9]+-[0-9]+')
            then cast(regexp_extract(serial, '^(.+)-([0-9]+)-([0-9]+)$', 2) as hugeint) else 0 end as block_first,
        case when regexp_full_match(serial, '.+-[0-9]+-[0-9]+')
            then cast(regexp_extract(serial, '^(.+)-([0-9]+)-([0-9]+)$', 3) as hugeint) else 0 end as block_last
    from credits
    where serial is not null

),

final as (

    select
        'erp/carbon_credits' as dataset_key,
        'credit' as subject_type,
        a.serial as subject_id,
        a.entity_id,
        a.registry,
        a.vintage_year,
        a.reporting_year,
        cast(a.reporting_year as varchar) as period,
        a.quantity_t,
        a.credit_status,
        a.block_prefix,
        a.block_first,
        a.block_last,
        a.source_record_key,
        count(b.source_record_key) as overlapping_records,
        string_agg(b.serial, ', ' order by b.serial) as overlapping_serials
    from blocks as a
    left join blocks as b
        on b.block_prefix = a.block_prefix
        and b.source_record_key <> a.source_record_key
        and b.block_first <= a.block_last
        and a.block_first <= b.block_last
    group by all

)

select * from final
