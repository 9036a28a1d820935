"""The data quality control plan (T/CAS 612 clause 6.8, with 9.1) as code, enforced by GX Core.

``data_quality/plan.yml`` lists the monitored data streams, their meters and
their checks; :func:`load_plan` reads and validates it. The checks run in
four places (``plan.STAGES``):

* on load — :func:`validate_batch` runs a dataset's load rules on each new
  pandas batch (``batch``); rows failing a row-level error are quarantined;
* before dbt — ``has_rows`` gates on the raw tables (``warehouse_checks``);
* after dbt — :func:`validate_warehouse` runs the warehouse rules on the
  compact measures of ``dbt_project/models/intermediate/quality/``
  (``warehouse_checks``);
* against the plan — :func:`review_findings` lists sources, datasets and
  meters in the data that the plan does not cover (``review``).

Every GX suite is built here from the plan into the file context
``data_quality/gx`` (``gx_context``); :func:`build_data_docs` renders the Data
Docs. :func:`render_plan` writes the plan as a bilingual document.
"""

from pipelines.lib.quality.batch import (
    EARLIER_IN_BATCH,
    BatchValidation,
    CheckResult,
    RowFailure,
    key_text,
    validate_batch,
)
from pipelines.lib.quality.gx_context import build_data_docs
from pipelines.lib.quality.plan import (
    DEFAULT_PLAN,
    FREQUENCIES,
    LEVELS,
    METHODS,
    RULES,
    SEVERITIES,
    STAGES,
    Check,
    Plan,
    PlanError,
    PlanMeter,
    Revision,
    Stream,
    load_plan,
    parse_plan,
)
from pipelines.lib.quality.render import DOC_NAME, render_plan

__all__ = [
    "DEFAULT_PLAN",
    "DOC_NAME",
    "FREQUENCIES",
    "LEVELS",
    "METHODS",
    "RULES",
    "SEVERITIES",
    "STAGES",
    "BatchValidation",
    "Check",
    "CheckResult",
    "Plan",
    "PlanError",
    "PlanMeter",
    "Revision",
    "RowFailure",
    "EARLIER_IN_BATCH",
    "Stream",
    "build_data_docs",
    "key_text",
    "load_plan",
    "parse_plan",
    "render_plan",
    "validate_batch",
]
