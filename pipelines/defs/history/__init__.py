"""The warehouse's history in the Dagster graph: the ``history`` tables that dbt reads.

Run manifests and restatements are written by ``carbon run`` after the job
(pipelines/lib/history/manifest.py); the asset here only makes sure the tables
exist, empty on a fresh warehouse, before dbt builds ``fct_restatements``.
"""
