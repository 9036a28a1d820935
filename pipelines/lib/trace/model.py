"""What a trace is: the figure's key, the traced rows and the reconciliation steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

APPROACHES = ("equity_share", "operational_control", "financial_control")
SCOPES = ("1", "2", "3", "biogenic")
SCOPE2_METHODS = ("location", "market")


class TraceError(Exception):
    """A figure or warehouse the user named does not exist: one sentence, no traceback."""


@dataclass(frozen=True)
class FigureKey:
    """A cell of rpt_group_inventory."""

    reporting_year: int
    consolidation_approach: str
    scope: str
    scope2_method: str | None = None
    scope3_category: int | None = None

    def label(self) -> str:
        parts = [str(self.reporting_year), self.consolidation_approach, f"scope {self.scope}"]
        if self.scope2_method:
            parts.append(f"{self.scope2_method}-based")
        if self.scope3_category is not None:
            parts.append(f"category {self.scope3_category}")
        return ", ".join(parts)


@dataclass
class ReconciliationCheck:
    """One reconciliation step: what was compared, the two sides, and whether they agree."""

    level: str
    expected: str
    actual: str
    ok: bool
    note: str = ""


@dataclass
class Trace:
    kind: str  # figure | emission
    key: FigureKey | None
    figure_t: float | None  # the reported figure (rpt_group_inventory.co2e_t)
    gwp_set: str | None
    row_count: int  # all contributing emission rows (rows holds the top ones when limited)
    total_t: Decimal  # direct DECIMAL(38, 12) sum of the contributions
    rows: list[dict[str, Any]]
    factors: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    checks: list[ReconciliationCheck] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(
        default_factory=list
    )  # database pulls among the files (ingest.sql_pulls)

    @property
    def reconciles(self) -> bool:
        return all(c.ok for c in self.checks)
