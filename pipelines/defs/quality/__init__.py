"""The data quality control plan in the Dagster graph.

* ``checks``  — the plan's ``has_rows`` gates on the raw tables (blocking, before dbt);
* ``assets``  — ``quality/*`` (op plan_results): the warehouse and review checks after
  dbt (GX on the dbt measures), one asset check per plan check, blocking where
  the plan says error at dataset level; results into the ``quality`` schema and
  the Data Docs;
* ``dbt``     — the dbt models that read those results (``fct_data_quality`` and the
  summary's ``rpt_data_quality_scorecard``), built after the checks.
"""

# dbt models built from the plan's results: excluded from the main dbt asset
# (pipelines/defs/transform/dbt.py) and built by pipelines/defs/quality/dbt.py.
QUALITY_RESULT_MODELS = "int_quality__plan_outcomes fct_data_quality rpt_data_quality_scorecard"
