-- Per data stream (landing dataset) and reporting year: records loaded,
-- records flagged as estimated, and completeness (periods reported of the
-- periods expected, from int_quality__reporting_periods). Master data and
-- reference lists without a year have reporting_year null. Feeds the
-- estimated-share check of the data quality plan and fct_data_quality.
with

periods as (

    select * from {{ ref('int_quality__reporting_periods') }}

),

records as (

    {%- set yearly = [
        ('erp/entities', 'stg_erp__entities', 'null'),
        ('erp/facilities', 'stg_erp__facilities', 'null'),
        ('erp/fuel_consumption', 'stg_erp__fuel_consumption', 'reporting_year'),
        ('erp/process_activity', 'stg_erp__process_activity', 'reporting_year'),
        ('erp/refrigerants', 'stg_erp__refrigerants', 'reporting_year'),
        ('erp/production', 'stg_erp__production', 'reporting_year'),
        ('erp/financials', 'stg_erp__financials', 'reporting_year'),
        ('erp/carbon_allowances', 'stg_erp__carbon_allowances', 'compliance_year'),
        ('erp/carbon_credits', 'stg_erp__carbon_credits', 'coalesce(retired_for_year, vintage_year)'),
        ('erp/removals', 'stg_erp__removals', 'reporting_year'),
        ('energy/meters', 'stg_energy__meters', 'null'),
        ('energy/meter_readings', 'stg_energy__meter_readings', 'year(reading_start_at)'),
        ('energy/energy_invoices', 'stg_energy__energy_invoices', 'reporting_year'),
        ('energy/renewable_instruments', 'stg_energy__renewable_instruments', 'reporting_year'),
        ('procurement/purchases', 'stg_procurement__purchases', 'reporting_year'),
        ('procurement/category_map', 'stg_procurement__category_map', 'null'),
        ('procurement/supplier_footprints', 'stg_procurement__supplier_footprints', 'footprint_year'),
        ('procurement/shipments', 'stg_procurement__shipments', 'reporting_year'),
        ('procurement/business_travel', 'stg_procurement__business_travel', 'reporting_year'),
        ('procurement/employee_commuting', 'stg_procurement__employee_commuting', 'reporting_year'),
        ('procurement/waste', 'stg_procurement__waste', 'reporting_year'),
        ('procurement/investments', 'stg_procurement__investments', 'reporting_year'),
        ('procurement/other_value_chain', 'stg_procurement__other_value_chain', 'reporting_year'),
        ('reference/custom_factors', 'stg_reference__custom_factors', 'null'),
        ('reference/fx_rates', 'stg_reference__fx_rates', 'rate_year'),
    ] %}
    {%- for dataset_key, model, year_expression in yearly %}
    select
        '{{ dataset_key }}' as dataset_key,
        cast({{ year_expression }} as integer) as reporting_year,
        count(*) as records,
        {{ 'count(*) filter (where is_estimated)' if model == 'stg_energy__meter_readings' else '0' }}
            as estimated_records
    from {{ ref(model) }}
    group by 1, 2
    {{ 'union all' if not loop.last }}
    {%- endfor %}

),

completeness as (

    select
        dataset_key,
        reporting_year,
        count(*) filter (where is_expected) as expected_periods,
        count(*) filter (where is_expected and records > 0) as reported_periods
    from periods
    group by dataset_key, reporting_year

),

final as (

    select
        coalesce(r.dataset_key, c.dataset_key) as dataset_key,
        coalesce(r.reporting_year, c.reporting_year) as reporting_year,
        coalesce(cast(coalesce(r.reporting_year, c.reporting_year) as varchar), 'all') as period,
        coalesce(r.records, 0) as records,
        coalesce(r.estimated_records, 0) as estimated_records,
        case when r.records > 0 then 100.0 * r.estimated_records / r.records end as estimated_pct,
        c.expected_periods,
        c.reported_periods,
        case when c.expected_periods > 0
            then 100.0 * c.reported_periods / c.expected_periods end as completeness_pct
    from records as r
    full outer join completeness as c
        on c.dataset_key = r.dataset_key
        and c.reporting_year = r.reporting_year

)

select * from final
