"""Figure-to-source lineage for verifiers (``carbon trace``).

From a reported figure — a cell of ``marts.rpt_group_inventory`` (year x
approach x scope x Scope 2 method x Scope 3 category) — or from one
``emission_id``, down to:

1. the contributing rows of ``marts.fct_emissions``, ranked by contribution
   (co2e_t x the approach's weight), each with a formula built from the row;
2. their factors in ``marts.dim_emission_factors`` (value, unit, source
   document, publisher, factor-set version);
3. the raw rows they were computed from (``source_record_key`` =
   ``'<raw table>:<landing file>#<row>'``, see the dbt macro
   ``lineage_columns``), with the file's sha256 as recorded in ``ingest.files``.
   Interval meter readings are summed per meter x calendar month before a
   factor is applied: such a row's key (``'energy__meter_readings:<meter>
   <YYYY-MM> <unit>[ estimated]'``) resolves through
   ``marts.fct_source_row_ranges`` to every reading it sums, as runs of
   consecutive rows of each file ("2,976 readings: file#1-2976"), each run
   checked against the raw table and the file's sha256.

Sums reconcile exactly, level by level, with the arithmetic the marts use
(the dbt macro ``exact_sum``: every value cast to DECIMAL(38, 12) before
summing, the sum cast back to double):

- emission rows -> ``fct_inventory`` groups: the rows of each group sum to the
  group's ``co2e_t`` exactly;
- ``fct_inventory`` groups -> the ``rpt_group_inventory`` cell: the groups
  sum to the reported figure exactly;
- the row count equals the cell's ``emission_rows``; every row's
  ``co2e_t`` = ``gas_mass_t`` x ``gwp_100``; every row has its factor and its
  raw row, whose file checksum is the one ``ingest.files`` recorded.

The direct DECIMAL sum of the rows is reported next to the figure too; it can
differ from it by a few 1e-12 t because ``fct_inventory`` stores each group as
a double before the cell sums the groups (docs/decisions.md, "Trace").

The package, one job per module: ``model`` (the key, the trace, a reconciliation
step), ``query`` (the figure and its rows from the warehouse; ``cell`` holds the
traced cell's temp tables and SQL), ``reconcile`` (the level-by-level checks),
``formula`` (a row's arithmetic in words), ``workpaper`` (CSV / JSON) and
``render`` (the terminal's rich tables, the only module that prints).
"""

from pipelines.lib.trace.formula import formula
from pipelines.lib.trace.model import (
    APPROACHES,
    SCOPE2_METHODS,
    SCOPES,
    FigureKey,
    ReconciliationCheck,
    Trace,
    TraceError,
)
from pipelines.lib.trace.query import (
    find_figure,
    open_warehouse,
    share_cell,
    trace_cell,
    trace_emission,
    trace_figure,
    trace_shared,
    validate_key,
)
from pipelines.lib.trace.render import render
from pipelines.lib.trace.workpaper import RECORD_COLUMNS, dumps, records, to_json, write, write_csv_rows

__all__ = [
    "APPROACHES",
    "RECORD_COLUMNS",
    "SCOPE2_METHODS",
    "SCOPES",
    "FigureKey",
    "ReconciliationCheck",
    "Trace",
    "TraceError",
    "dumps",
    "find_figure",
    "formula",
    "open_warehouse",
    "records",
    "render",
    "to_json",
    "share_cell",
    "trace_cell",
    "trace_emission",
    "trace_shared",
    "trace_figure",
    "validate_key",
    "write",
    "write_csv_rows",
]
