-- The reporting years of the inventory (docs/methods.md M-PER-01): one row per year, with
-- why it is one (carbon.yml reporting_years, data coverage, a base year), its
-- months with activity and whether all twelve have some. Reports, KPI
-- workbooks and the run summary take their years from here; pieces of any
-- other year are held (fct_unestimated_activity, reason outside_reporting_period).
select
    reporting_year,
    year_source,
    months_with_activity,
    is_complete
from {{ ref('int_reporting_years') }}
