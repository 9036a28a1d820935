"""Reconciliation of a traced cell, level by level, with the marts' own arithmetic (exact_sum)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb

from pipelines.lib.trace.cell import CELL, RESOLVED, cell_filter, cell_params, raw_union
from pipelines.lib.trace.model import FigureKey, ReconciliationCheck

# fct_inventory columns that are measures, not part of its grain
_INVENTORY_MEASURES = {"gas_mass_t", "co2e_t", "co2e_unweighted_t", "emission_rows", "consolidation_approach"}


def figure_checks(con: duckdb.DuckDBPyConnection, key: FigureKey, figure: dict[str, Any], n_rows: int,
                  total: Decimal) -> list[ReconciliationCheck]:  # fmt: skip
    grain = [c for c in _columns(con, "marts", "fct_inventory")
             if c not in _INVENTORY_MEASURES and c not in ("reporting_year", "scope", "scope2_method",
                                                          "scope3_category")]  # fmt: skip
    cols = ", ".join(grain)
    on = " and ".join(f"g.{c} is not distinct from i.{c}" for c in grain) or "true"
    # Level 1: rows -> fct_inventory groups, with the mart's own arithmetic (exact_sum).
    groups = con.execute(f"""
        with g as (
            select {cols + ',' if cols else ''}
                   cast(sum(contribution_t) as double) as co2e_t, count(*) as n
            from {CELL} {'group by ' + cols if cols else ''}
        ),
        i as (
            select {cols + ',' if cols else ''} co2e_t, emission_rows as n
            from marts.fct_inventory where consolidation_approach = ? and {cell_filter()}
        ),
        joined as (select g.co2e_t as g_t, g.n as g_n, i.co2e_t as i_t, i.n as i_n from g full join i on {on})
        select count(*),
               count(*) filter (where g_t = i_t and g_n = i_n),
               cast(sum(cast(g_t as decimal(38, 12))) as double),
               cast(sum(cast(i_t as decimal(38, 12))) as double)
        from joined
        """, [key.consolidation_approach, *cell_params(key)]).fetchone()  # fmt: skip
    n_groups, n_matched, groups_t, inventory_t = groups
    figure_t = figure["co2e_t"]
    direct_diff = total - Decimal(repr(figure_t)) if figure_t is not None else None
    return [
        ReconciliationCheck(f"emission rows -> fct_inventory groups ({' x '.join(grain)})",
              f"{n_groups} groups", f"{n_matched} equal exactly", n_groups == n_matched and n_groups > 0),
        ReconciliationCheck("fct_inventory groups -> rpt_group_inventory co2e_t (exact_sum)",
              repr(figure_t), repr(groups_t), groups_t == figure_t and inventory_t == figure_t),
        ReconciliationCheck("emission row count = rpt_group_inventory emission_rows",
              str(figure["emission_rows"]), str(n_rows), int(figure["emission_rows"]) == n_rows),
        ReconciliationCheck("direct DECIMAL(38,12) sum of the rows vs the figure (information)",
              repr(figure_t), str(total), True,
              f"difference {direct_diff:+.12f} t: fct_inventory stores each group as a double"
              if direct_diff else "identical"),
    ]  # fmt: skip


def row_checks(con: duckdb.DuckDBPyConnection) -> list[ReconciliationCheck]:
    n, gwp_ok, factor_ok = con.execute(f"""
        select count(distinct emission_id),
               count(distinct emission_id) filter (where co2e_t = gas_mass_t * gwp_100),
               count(distinct emission_id) filter (where factor_value is not null)
        from {CELL}""").fetchone()  # fmt: skip
    # distinct: an emission trace holds the same row once per approach
    resolved = con.execute(f"""
        with raw_rows as ({raw_union(con, with_values=False)})
        select count(distinct c.emission_id) from {CELL} as c
        join raw_rows as r
          on r.raw_table = c.raw_table and r._file_path = c.file_path and r._row_number = c.row_number
        where r.raw_file_sha256 = c.file_sha256""").fetchone()[0]  # fmt: skip
    resolved += con.execute(f"""
        select count(distinct emission_id) from {CELL}
        where row_number is null and source_record_key in (select source_record_key from {RESOLVED})
    """).fetchone()[0]  # fmt: skip
    return [
        ReconciliationCheck("each row: co2e_t = gas_mass_t x gwp_100", str(n), str(gwp_ok), gwp_ok == n),
        ReconciliationCheck(
            "each row's factor is in dim_emission_factors", str(n), str(factor_ok), factor_ok == n
        ),
        ReconciliationCheck(
            "each row resolves to its raw row (a meter x month row: every reading it sums, "
            "run by run); file sha256 = ingest.files",
            str(n),
            str(resolved),
            resolved == n,
        ),
    ]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()]  # fmt: skip
