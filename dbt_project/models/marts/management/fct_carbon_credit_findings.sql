-- Credit serials used more than once (T/CAS 612 6.7; plan check DQ-UNIQ-009,
-- "credit serials used once", an error): one row per loaded credit record
-- whose serial block overlaps another record's. The same serial twice is
-- quarantined on load (DQ-UNIQ-008) and never reaches this model: that
-- finding, with the serial, is in quality.findings and fct_data_quality.
--   finding_type  serial_retired_twice          retired, and another retirement
--                                               for the same year covers some of
--                                               its serials
--                 serial_retired_for_two_years  ... for another year
--                 serial_block_overlap          held or cancelled tonnes recorded
--                                               twice (no double retirement)
--   not_counted_t = retired tonnes left out of the carbon position because an
--                   earlier retirement claimed their serials (0 for the record
--                   that retired them first: it counts)
with

credits as (

    select * from {{ ref('fct_carbon_credits') }}

),

pairs as (

    select
        a.source_record_key,
        b.serial as other_serial,
        b.credit_status as other_status,
        b.retired_for_year as other_retired_for_year,
        least(a.serial_last, b.serial_last) - greatest(a.serial_first, b.serial_first) + 1 as shared_serials
    from credits as a
    inner join credits as b
        on b.serial_block_prefix = a.serial_block_prefix
        and b.source_record_key <> a.source_record_key
        and b.serial_first <= a.serial_last
        and a.serial_first <= b.serial_last

),

per_record as (

    select
        p.source_record_key,
        count(*) as overlapping_records,
        sum(p.shared_serials) as shared_serials,
        string_agg(p.other_serial, ', ' order by p.other_serial) as overlapping_serials,
        string_agg(distinct p.other_status, ', ' order by p.other_status) as overlapping_statuses,
        string_agg(distinct cast(p.other_retired_for_year as varchar), ', '
                   order by cast(p.other_retired_for_year as varchar))
            filter (where p.other_status = 'retired') as overlapping_retired_for_years,
        bool_or(p.other_status = 'retired') as overlaps_retirement,
        bool_or(p.other_status = 'retired'
                and p.other_retired_for_year is distinct from c.retired_for_year) as overlaps_other_year
    from pairs as p
    inner join credits as c
        on c.source_record_key = p.source_record_key
    group by p.source_record_key

),

final as (

    select
        'DQ-UNIQ-009' as check_code,
        'error' as severity,
        case
            when c.credit_status = 'retired' and r.overlaps_other_year then 'serial_retired_for_two_years'
            when c.credit_status = 'retired' and r.overlaps_retirement then 'serial_retired_twice'
            else 'serial_block_overlap'
        end as finding_type,
        c.serial,
        c.entity_id,
        c.registry,
        c.vintage_year,
        c.credit_status,
        c.retired_for_year,
        c.quantity_t,
        cast(r.shared_serials as hugeint) as shared_serials,
        r.overlapping_records,
        r.overlapping_serials,
        r.overlapping_statuses,
        r.overlapping_retired_for_years,
        c.counted_retired_t,
        c.retired_t - c.counted_retired_t as not_counted_t,
        'Credit ' || c.serial || ' (' || coalesce(c.entity_id, '?') || ', ' || c.credit_status
            || coalesce(' for ' || cast(c.retired_for_year as varchar), '') || ') shares '
            || cast(r.shared_serials as varchar) || ' serial(s) with ' || r.overlapping_serials
            || ' (' || r.overlapping_statuses
            || coalesce(' for ' || r.overlapping_retired_for_years, '') || '); '
            || case
                when c.credit_status <> 'retired' or not r.overlaps_retirement
                    then 'the same tonnes are recorded twice.'
                when c.retired_t - c.counted_retired_t > 0
                    then 'an earlier retirement claimed them, so '
                        || cast(round(c.retired_t - c.counted_retired_t, 6) as varchar)
                        || ' t are not counted again.'
                else 'this retirement came first and counts; the later one does not.'
            end as message,
        c.source_record_key
    from credits as c
    inner join per_record as r
        on r.source_record_key = c.source_record_key

)

select * from final
