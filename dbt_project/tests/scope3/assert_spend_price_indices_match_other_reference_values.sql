-- The US CPI-U values of spend_price_indices are the ones shipped in
-- other_reference_values (us_cpi_u_<year>): one source of truth for both.
select p.price_year, p.index_value, o.value
from {{ ref('spend_price_indices') }} as p
full outer join {{ ref('other_reference_values') }} as o
    on o.key = 'us_cpi_u_' || p.price_year
where (p.index_code = 'us_cpi_u' or o.key like 'us_cpi_u_%')
  and (p.index_value is null or o.value is null or p.index_value <> o.value)
