-- Every credit record with the tonnes it may count toward the carbon position
-- (docs/methods.md M-CP-01: "retired credits for that year (each serial once)").
-- Registries issue credits in serial blocks '<project and vintage>-<first>-<last>'
-- (parsed by int_quality__credit_serial_blocks; a serial that is not a block is
-- a block of one). Identical serials are quarantined on load (DQ-UNIQ-008);
-- what reaches the warehouse can still overlap another record's block
-- (DQ-UNIQ-009). Retirements claim their serials in order - retired date, then
-- retired_for_year, then the raw row - and a later retirement counts only the
-- serials no earlier retirement claimed:
--   counted_retired_t = quantity_t x (block_serials - already_retired_serials) / block_serials
-- already_retired_serials merges the earlier claims first (gaps and islands),
-- so a serial claimed by two earlier records is removed once. Held and
-- cancelled records never count; nor does a retirement without
-- retired_for_year (it offsets no inventory year we could name).
with

credits as (

    select * from {{ ref('stg_erp__carbon_credits') }}

),

blocks as (

    select * from {{ ref('int_quality__credit_serial_blocks') }}

),

credit_blocks as (

    select
        c.*,
        b.block_prefix,
        b.block_first,
        b.block_last,
        b.block_last - b.block_first + 1 as block_serials,
        coalesce(b.overlapping_records, 0) as overlapping_records,
        b.overlapping_serials
    from credits as c
    left join blocks as b
        on b.source_record_key = c.source_record_key

),

retirements as (

    select
        source_record_key,
        serial,
        retired_for_year,
        block_prefix,
        block_first,
        block_last,
        row_number() over (
            order by retired_date nulls last, retired_for_year nulls last, source_record_key
        ) as retirement_order
    from credit_blocks
    where credit_status = 'retired'

),

earlier_claims as (

    -- the part of a retired block that an earlier retirement already claimed
    select
        a.source_record_key,
        b.serial as earlier_serial,
        b.retired_for_year as earlier_retired_for_year,
        greatest(a.block_first, b.block_first) as claimed_first,
        least(a.block_last, b.block_last) as claimed_last
    from retirements as a
    inner join retirements as b
        on b.block_prefix = a.block_prefix
        and b.retirement_order < a.retirement_order
        and b.block_first <= a.block_last
        and a.block_first <= b.block_last

),

claims_ordered as (

    select
        *,
        max(claimed_last) over (
            partition by source_record_key order by claimed_first, claimed_last
            rows between unbounded preceding and 1 preceding
        ) as previous_claimed_last
    from earlier_claims

),

claim_islands as (

    select
        *,
        sum(case when previous_claimed_last is null or claimed_first > previous_claimed_last then 1 else 0 end)
            over (partition by source_record_key order by claimed_first, claimed_last
                  rows between unbounded preceding and current row) as island_id
    from claims_ordered

),

islands as (

    select
        source_record_key,
        island_id,
        max(claimed_last) - min(claimed_first) + 1 as island_serials
    from claim_islands
    group by source_record_key, island_id

),

claimed as (

    select
        i.source_record_key,
        sum(i.island_serials) as already_retired_serials
    from islands as i
    group by i.source_record_key

),

claimed_by as (

    select
        source_record_key,
        string_agg(distinct earlier_serial, ', ' order by earlier_serial) as earlier_retired_serials,
        string_agg(distinct cast(earlier_retired_for_year as varchar), ', '
                   order by cast(earlier_retired_for_year as varchar)) as earlier_retired_for_years
    from earlier_claims
    group by source_record_key

),

final as (

    select
        c.source_record_key,
        c.serial,
        c.entity_id,
        c.registry,
        c.project_id,
        c.project_type,
        c.vintage_year,
        c.quantity_t,
        c.credit_status,
        c.retired_date,
        c.retired_for_year,
        c.retirement_purpose,
        c.unit_price_amount,
        c.currency_code,
        c.block_prefix,
        c.block_first,
        c.block_last,
        c.block_serials,
        c.overlapping_records,
        c.overlapping_serials,
        r.retirement_order,
        coalesce(cl.already_retired_serials, 0) as already_retired_serials,
        cb.earlier_retired_serials,
        cb.earlier_retired_for_years,
        case
            when c.credit_status <> 'retired' or c.retired_for_year is null then 0.0
            when coalesce(cl.already_retired_serials, 0) = 0 then c.quantity_t
            when cl.already_retired_serials >= c.block_serials then 0.0
            else c.quantity_t * cast(c.block_serials - cl.already_retired_serials as double)
                / cast(c.block_serials as double)
        end as counted_retired_t,
        case
            when c.credit_status <> 'retired' then 'not_retired'
            when c.retired_for_year is null then 'no_retired_for_year'
            when coalesce(cl.already_retired_serials, 0) >= c.block_serials then 'serials_already_retired'
        end as not_counted_reason,
        c.load_id,
        c.file_sha256,
        c.loaded_at
    from credit_blocks as c
    left join retirements as r
        on r.source_record_key = c.source_record_key
    left join claimed as cl
        on cl.source_record_key = c.source_record_key
    left join claimed_by as cb
        on cb.source_record_key = c.source_record_key

)

select * from final
