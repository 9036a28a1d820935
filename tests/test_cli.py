"""The `carbon` front door: user errors are one sentence, a blocking check stops the run."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from conftest import SAMPLE_CONFIG, SAMPLE_LANDING, run_carbon, run_pipeline, write_csv
from rich.cells import cell_len


def test_missing_landing_folder_is_one_clear_sentence(tmp_path):
    proc = run_carbon("run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"carbon: The landing folder {tmp_path / 'nope'} does not exist (option --landing or CARBON_LANDING)."
    ]


def test_bad_configuration_names_the_key(tmp_path):
    cfg = tmp_path / "carbon.yml"
    cfg.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8").replace("gwp_set: AR6", "gwp_set: AR9"), encoding="utf-8"
    )
    proc = run_carbon("run", "--config", str(cfg), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert "'gwp_set' is 'AR9'; expected one of AR4, AR5, AR6." in proc.stderr
    assert "Traceback" not in proc.stderr


def test_generate_refuses_to_overwrite_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    proc = run_carbon("generate", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "is not empty" in proc.stderr


def test_blocking_check_stops_the_run_before_dbt(tmp_path):
    # An equity share of 150 % breaks the entity tree: a dataset-level error of the plan.
    landing = tmp_path / "landing"
    for folder in ("erp/facilities", "erp/fuel_consumption"):
        shutil.copytree(SAMPLE_LANDING / folder, landing / folder)
    write_csv(
        landing / "erp/entities/entities.csv",
        [
            "entity_id",
            "entity_name",
            "parent_entity_id",
            "relationship",
            "equity_pct",
            "financial_control",
            "operational_control",
            "valid_from",
            "valid_to",
        ],
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            ["S100", "Sub", "G001", "subsidiary", 150, "full", "true", "", ""],
        ],
    )
    result = run_pipeline(landing, tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "raw/erp__entities data_quality_plan: blocking check(s) failed: DQ-VALID-014" in result.stderr
    # nothing downstream was built
    marts = result.scalar("select count(*) from information_schema.tables where table_schema = 'marts'")
    assert marts == 0
    # the summary is printed either way
    assert "Extraction" in result.stdout


def test_a_second_run_on_a_warehouse_being_written_is_refused_in_one_sentence(tmp_path):
    """One run at a time per warehouse, for the whole run (DuckDB's own lock is released between steps)."""
    from filelock import FileLock

    warehouse = tmp_path / "w.duckdb"
    with FileLock(str(tmp_path / "w.duckdb.run.lock")):  # as a run in progress holds it
        proc = run_carbon("run", "--warehouse", str(warehouse))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"carbon: Another carbon run is writing to the warehouse {warehouse}; wait for it to finish, "
        "then run again (or give this run its own --warehouse)."
    )
    assert "Traceback" not in proc.stderr
    assert not warehouse.exists()  # nothing was started


@pytest.mark.parametrize("columns", [80, 100, 140])
def test_the_run_summary_fits_the_terminal_and_never_cuts_a_number(sample_run, monkeypatch, columns):
    """The summary `carbon run` prints, in a terminal of 80, 100 or 140 columns (COLUMNS): no line is wider,
    nothing is cut ('…'), and the figures of the warehouse are printed whole."""
    from pipelines.lib import terminal
    from pipelines.lib.settings import load_settings
    from pipelines.summary import print_run_summary

    monkeypatch.setenv("COLUMNS", str(columns))
    buf = io.StringIO()
    console = terminal.console(default=160, file=buf)
    assert console.width == columns
    print_run_summary(sample_run.warehouse, load_settings(SAMPLE_CONFIG), console=console, data_docs=False)
    out = buf.getvalue()
    assert max(cell_len(line) for line in out.splitlines()) <= columns
    assert "…" not in re.sub(r"… and \d+ more", "", out)  # only "[DQ-…] … and N more" lines

    def shown(x: float | None, digits: int = 1) -> str:
        return "—" if x is None else f"{x:,.{digits}f}"

    # every figure of the inventory table, per year, approach and scope
    inventory = sample_run.query(
        """select reporting_year, consolidation_approach,
                  sum(co2e_t) filter (where scope = '1'),
                  sum(co2e_t) filter (where scope = '2' and scope2_method = 'location'),
                  sum(co2e_t) filter (where scope = '2' and scope2_method = 'market'),
                  sum(co2e_t) filter (where scope = '3'), sum(co2e_t) filter (where scope = 'biogenic')
           from marts.rpt_group_inventory group by 1, 2"""
    )
    assert len(inventory) == 12
    for year, approach, *figures in inventory:
        assert str(year) in out and approach.split("_")[0] in out
        assert all(shown(x) in out for x in figures), (year, approach)
    # rows loaded per dataset, the quarantined rows' own numbers, the carbon position and the scorecard
    for dataset, loaded in sample_run.query(
        "select dataset_key, sum(rows_loaded) from ingest.files group by 1 having sum(rows_loaded) >= 1000"
    ):
        assert dataset.split("/")[-1] in out and f"{loaded:,}" in out
    assert "[DQ-UNIQ-003]" in out and "760591.0" in out and "513121.92" in out
    for gross, net in sample_run.query(
        "select gross_t, net_t from marts.fct_carbon_position where is_group_total"
    ):
        assert shown(gross) in out and shown(net) in out
    for stream, records in sample_run.query(
        "select stream_id, sum(records) from marts.fct_data_quality group by 1 having sum(records) > 0"
    ):
        assert stream in out and f"{records:,}" in out


@pytest.mark.parametrize("year", [None, 2023])
def test_the_run_summary_prints_the_scorecard_and_investees_of_the_report_marts(
    sample_run, monkeypatch, year
):
    """The summary's data quality scorecard and Scope 3 category 15 lines come from rpt_data_quality_scorecard
    and rpt_investee_emissions, whose rows equal the aggregates of fct_data_quality, quality.findings and
    fct_emissions (computed here independently), and are printed one line per stream and per year."""
    from pipelines.lib import terminal
    from pipelines.lib.settings import load_settings
    from pipelines.summary import print_run_summary

    settings = load_settings(SAMPLE_CONFIG)
    monkeypatch.setenv("COLUMNS", "400")  # one line per table row
    buf = io.StringIO()
    console = terminal.console(default=400, file=buf)
    print_run_summary(sample_run.warehouse, settings, year=year, console=console, data_docs=False)
    lines = buf.getvalue().splitlines()

    def shown(x: float | None, digits: int = 1) -> str:
        return "—" if x is None else f"{x:,.{digits}f}"

    in_year = "where reporting_year = ? or period = 'all'" if year else ""
    expected = sample_run.query(
        f"""select stream_id, sum(records), sum(error_findings), sum(warning_findings),
                   100.0 * sum(reported_periods) / nullif(sum(expected_periods), 0),
                   sum(estimated_pct * records) / nullif(sum(records) filter (where estimated_pct is not null), 0),
                   min(data_quality_score)
            from marts.fct_data_quality {in_year} group by stream_id
            having sum(records) > 0 or sum(error_findings + warning_findings) > 0 order by stream_id""",
        [year] if year else [],
    )
    failed = dict(sample_run.query(
        "select stream_id, count(distinct check_code) from quality.findings "
        + ("where reporting_year = ? or reporting_year is null " if year else "") + "group by 1",
        [year] if year else [],
    ))  # fmt: skip
    mart = sample_run.query(
        f"""select stream_id, records, error_findings, warning_findings, completeness_pct, estimated_pct,
                   worst_score, checks_failed
            from marts.rpt_data_quality_scorecard where scorecard_year {"= ?" if year else "is null"}
            order by stream_id""",
        [year] if year else [],
    )
    assert len(expected) >= 5 and any(failed.values())
    assert [r[:4] for r in mart] == [r[:4] for r in expected]
    for got, want in zip(mart, expected, strict=True):
        for value, reference in zip(got[4:7], want[4:7], strict=True):  # completeness is null without a plan
            assert value == (None if reference is None else pytest.approx(reference, rel=1e-12)), got
        assert got[7] == failed.get(got[0], 0)
        # the stream's row of the printed table: records, errors, warnings, complete %, estimated %, score
        rows = [[c.strip() for c in line.strip().strip("│|").split("│")] for line in lines if "│" in line]
        row = next(r for r in rows if r[0] == got[0])
        # the worst period: the latest year with the worst score ('all' for master data)
        worst = sample_run.query(
            f"""select coalesce(max(reporting_year)::varchar, 'all') from marts.fct_data_quality
                where stream_id = ? and data_quality_score = ? {in_year.replace("where", "and (")}
                {")" if year else ""}""",
            [got[0], got[6], *([year] if year else [])],
        )[0][0]
        assert row[3:] == [str(got[7]), f"{got[1]:,}", str(got[2]), str(got[3]), shown(got[4]), shown(got[5]),
                           f"{got[6]:.1f} ({worst})"]  # fmt: skip

    investees = sample_run.query(
        f"""select reporting_year,
                   case when source_type = 'investee_entity_tree' then entity_id else 'procurement/investments' end,
                   sum(co2e_t * weight_{settings.consolidation})
            from marts.fct_emissions where scope = '3' and scope3_category = 15 {"and reporting_year = ?" if year else ""}
            group by all having abs(sum(co2e_t * weight_{settings.consolidation})) > 1e-9 order by 1, 2""",
        [year] if year else [],
    )
    assert investees and len({r[1] for r in investees}) >= 2
    by_year: dict[int, list[str]] = {}
    for y, investee, t in investees:
        by_year.setdefault(y, []).append(f"{investee} {shown(t)}")
    for y, parts in by_year.items():
        assert f"  {y}: " + "; ".join(parts) in lines

    # the activity not in the inventory (rpt_unestimated_activity_totals), all years, per dataset and reason
    unestimated = sample_run.query(
        "select dataset_key, reason_code, count(*) from marts.fct_unestimated_activity group by all order by all"
    )
    assert unestimated
    total = sum(n for _, _, n in unestimated)
    assert any(line.startswith(f"未计入 Not in the inventory (unestimated, or held outside the reporting years): "
                               f"{total} record(s)") for line in lines)  # fmt: skip
    assert [line.strip() for line in lines if " × " in line] == [f"{d}: {n} × {r}" for d, r, n in unestimated]
