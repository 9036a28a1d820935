"""Intensities and progress to target (docs/methods.md M-INT-01, M-TGT-01, M-TGT-02) against hand calculations.

A tiny landing folder goes through the real pipeline once; every figure below
is worked out by hand in the test's comment. The sample group run checks the
marts hold together on realistic data.

The tiny group (reporting currency CNY, operational control, base year 2021):
  G001  root, facility F1, reports in CNY
  US1   100 % subsidiary, facility F2, reports in USD
  EU1   100 % subsidiary, no facility, reports in EUR for which fx_rates has no rate
  fx_rates: CNY 6.5 (2021), 7.0 (2023) per USD; USD = 1 implicitly.
Emissions (custom process factor 1,000 kg CO2/t, national grid 2023 0.5306 t/MWh):
  2021  F1 100 t process                          -> Scope 1 100 t
  2023  F1 40 t process; F2 30 t process + 100 MWh -> Scope 1 70 t, Scope 2 location 53.06 t
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import SAMPLE_CONFIG, header, run_pipeline, write_config, write_csv

from pipelines.lib.settings import ConfigError, load_settings

ENTITY_HEADER = header("erp/entities")
FACILITY_HEADER = header("erp/facilities")
METER_HEADER = header("energy/meters")
READING_HEADER = header("energy/meter_readings")
FINANCIALS_HEADER = header("erp/financials")
PRODUCTION_HEADER = header("erp/production")

TARGETS = [
    {
        "name": "ABS-2030",
        "kind": "absolute",
        "scopes": ["1"],
        "base_year": 2021,
        "target_year": 2030,
        "reduction_pct": 42,
    },
    {
        "name": "INT-REV-2025",
        "kind": "intensity",
        "scopes": ["1", "2-location"],
        "base_year": 2021,
        "target_year": 2025,
        "reduction_pct": 50,
        "denominator": "revenue",
    },
    {
        "name": "INT-WIDGET-2025",
        "kind": "intensity",
        "scopes": ["1", "2-location"],
        "base_year": 2023,
        "target_year": 2025,
        "reduction_pct": 10,
        "denominator": "production:widget",
    },
]


def build_landing(root: Path) -> None:
    write_csv(
        root / "erp/entities/entities.csv",
        ENTITY_HEADER,
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            ["US1", "US subsidiary", "G001", "subsidiary", 100, "full", "true", "", ""],
            ["EU1", "EU subsidiary", "G001", "subsidiary", 100, "full", "true", "", ""],
        ],
    )
    write_csv(
        root / "erp/facilities/facilities.csv",
        FACILITY_HEADER,
        [
            ["F1", "G001", "Kiln", "CN", "Guangdong", "", ""],
            ["F2", "US1", "Widget plant", "CN", "Jiangsu", "", ""],
        ],
    )
    write_csv(
        root / "erp/process_activity/process.csv",
        ["facility_id", "period", "process", "quantity", "unit"],
        [
            ["F1", "2021", "test_kiln", 100, "t"],
            ["F1", "2023", "test_kiln", 40, "t"],
            ["F2", "2023", "test_kiln", 30, "t"],
        ],
    )
    write_csv(
        root / "reference/custom_factors/factors.csv",
        ["factor_key", "unit", "gas", "kg_per_unit", "region", "year_from", "year_to", "source"],
        [
            ["test_kiln", "t", "CO2", 1000, "", "", "", "test factor: 1 t CO2 per t"],
        ],
    )
    write_csv(
        root / "energy/meters/meters.csv",
        METER_HEADER,
        [
            ["M2", "F2", "electricity", "grid", "MWh", "0.5S", "2023-01-10", 12],
        ],
    )
    write_csv(
        root / "energy/meter_readings/readings.csv",
        READING_HEADER,
        [
            ["M2", "2023-06-01T00:00:00", "2023-07-01T00:00:00", 100, "MWh", "false"],
        ],
    )
    write_csv(
        root / "erp/financials/financials.csv",
        FINANCIALS_HEADER,
        [
            ["G001", "2021", 3700000, "", "CNY"],
            ["US1", "2021", 200000, "", "USD"],
            ["EU1", "2022", 100000, "", "EUR"],
            ["G001", "2023", 5000000, 6000000, "CNY"],
            ["US1", "2023", 1000000, "", "USD"],
        ],
    )
    write_csv(
        root / "erp/production/production.csv",
        PRODUCTION_HEADER,
        [
            # 2,000,000 kg = 2,000 t
            ["F2", "2023", "widget", 2000000, "kg"],
            ["F1", "2023", "gadget", 500, "pcs"],
        ],
    )
    write_csv(
        root / "reference/fx_rates/fx_rates.csv",
        ["currency", "year", "units_per_usd"],
        [
            ["CNY", 2021, 6.5],
            ["CNY", 2023, 7.0],
        ],
    )


@pytest.fixture(scope="module")
def mgmt_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("management")
    build_landing(root / "landing")
    # 2021 holds process data only and 2023 a meter: the years are configured (docs/methods.md M-PER-01)
    config = write_config(root / "carbon.yml", targets=TARGETS, reporting_years={"from": 2021, "to": 2023})
    result = run_pipeline(root / "landing", root / "wh.duckdb", config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def intensity_row(
    run,
    entity_id: str,
    year: int,
    kind: str,
    *,
    group: bool = False,
    product: str | None = None,
    facility_id: str | None = None,
) -> dict:
    rows = run.query(
        "select numerator_t, denominator, denominator_unit, intensity, intensity_unit, missing_reason, "
        "missing_detail, entities_missing_denominator, numerator_scopes, consolidation_approach "
        "from marts.fct_intensity where entity_id = ? and reporting_year = ? and denominator_kind = ? "
        "and is_group_total = ? and product is not distinct from ? and facility_id is not distinct from ?",
        [entity_id, year, kind, group, product, facility_id],
    )
    assert len(rows) == 1, rows
    keys = [
        "numerator_t",
        "denominator",
        "denominator_unit",
        "intensity",
        "intensity_unit",
        "missing_reason",
        "missing_detail",
        "entities_missing_denominator",
        "numerator_scopes",
        "consolidation_approach",
    ]
    return dict(zip(keys, rows[0], strict=True))


def progress(run, target: str, year: int) -> dict:
    rows = run.query(
        "select base_value, target_value, trajectory, actual, progress_pct, is_on_track, unit, base_source, "
        "missing_reason from marts.fct_target_progress where target_name = ? and reporting_year = ?",
        [target, year],
    )
    assert len(rows) == 1, rows
    keys = [
        "base_value",
        "target_value",
        "trajectory",
        "actual",
        "progress_pct",
        "is_on_track",
        "unit",
        "base_source",
        "missing_reason",
    ]
    return dict(zip(keys, rows[0], strict=True))


# ---------------------------------------------------------------- fct_intensity


def test_revenue_in_usd_is_converted_with_the_fx_rate_of_the_year(mgmt_run):
    # US1 2023: 30 t process + 100 MWh x 0.5306 = 83.06 tCO2e (Scope 1 + 2 location);
    # revenue 1,000,000 USD / 1 x 7.0 CNY/USD = 7,000,000 CNY = 700 (10^4 CNY)
    # -> 83.06 / 700 = 0.118657142857... tCO2e/万元
    row = intensity_row(mgmt_run, "US1", 2023, "revenue")
    assert row["numerator_t"] == pytest.approx(83.06, abs=1e-9)
    assert row["denominator"] == pytest.approx(700.0, abs=1e-9)
    assert row["denominator_unit"] == "10^4 CNY"
    assert row["intensity_unit"] == "tCO2e/10^4 CNY"
    assert row["intensity"] == pytest.approx(83.06 / 700, rel=1e-12)
    assert row["numerator_scopes"] == "1,2-location"
    assert row["consolidation_approach"] == "operational_control"


def test_entity_in_reporting_currency_needs_no_rate(mgmt_run):
    # G001 2023: 40 t / (5,000,000 CNY = 500 万元) = 0.08; output value 6,000,000 -> 40 / 600
    assert intensity_row(mgmt_run, "G001", 2023, "revenue")["intensity"] == pytest.approx(0.08, rel=1e-12)
    assert intensity_row(mgmt_run, "G001", 2023, "output_value")["intensity"] == pytest.approx(
        40 / 600, rel=1e-12
    )


def test_group_revenue_intensity_sums_numerators_and_denominators(mgmt_run):
    # 2023: (40 + 83.06) / (500 + 700) = 123.06 / 1,200 = 0.10255
    row = intensity_row(mgmt_run, "G001", 2023, "revenue", group=True)
    assert row["numerator_t"] == pytest.approx(123.06, abs=1e-9)
    assert row["denominator"] == pytest.approx(1200.0, abs=1e-9)
    assert row["intensity"] == pytest.approx(0.10255, rel=1e-12)
    # 2021: 100 t / (3,700,000 CNY + 200,000 USD x 6.5 = 5,000,000 CNY = 500 万元) = 0.2
    row = intensity_row(mgmt_run, "G001", 2021, "revenue", group=True)
    assert row["denominator"] == pytest.approx(500.0, abs=1e-9)
    assert row["intensity"] == pytest.approx(0.2, rel=1e-12)


def test_group_output_value_names_the_entity_without_one(mgmt_run):
    # only G001 reports output value (600 万元); the numerator is still the group's 123.06 t
    row = intensity_row(mgmt_run, "G001", 2023, "output_value", group=True)
    assert row["intensity"] == pytest.approx(0.2051, rel=1e-12)
    assert row["entities_missing_denominator"] == "US1"
    us1 = intensity_row(mgmt_run, "US1", 2023, "output_value")
    assert us1["intensity"] is None and us1["missing_reason"] == "no_denominator"


def test_missing_fx_rate_gives_a_reason_never_a_zero(mgmt_run):
    # EU1 reports 100,000 EUR for 2022 and fx_rates has no EUR rate
    row = intensity_row(mgmt_run, "EU1", 2022, "revenue")
    assert row["intensity"] is None and row["denominator"] is None
    assert row["missing_reason"] == "no_fx_rate"
    assert "EUR 2022" in row["missing_detail"]
    group = intensity_row(mgmt_run, "G001", 2022, "revenue", group=True)
    assert group["intensity"] is None and group["missing_reason"] == "no_fx_rate"
    # nowhere is a missing denominator turned into a number
    assert (
        mgmt_run.scalar(
            "select count(*) from marts.fct_intensity where missing_reason is not null and intensity is not null"
        )
        == 0
    )
    assert mgmt_run.scalar("select count(*) from marts.fct_intensity where denominator = 0") == 0


def test_zero_emissions_over_a_real_denominator_is_a_real_zero(mgmt_run):
    # US1 emitted nothing in 2021 and earned 200,000 USD x 6.5 = 130 万元: 0 / 130 = 0
    row = intensity_row(mgmt_run, "US1", 2021, "revenue")
    assert row["denominator"] == pytest.approx(130.0, abs=1e-9)
    assert row["intensity"] == 0.0 and row["missing_reason"] is None


def test_per_product_intensity_per_facility_entity_and_group(mgmt_run):
    # widget at F2: 83.06 t / 2,000,000 kg = 2,000 t -> 0.04153 tCO2e/t
    for kwargs in (
        {"entity_id": "US1", "facility_id": "F2"},
        {"entity_id": "US1"},
        {"entity_id": "G001", "group": True},
    ):
        entity = kwargs.pop("entity_id")
        row = intensity_row(mgmt_run, entity, 2023, "production", product="widget", **kwargs)
        assert row["denominator"] == pytest.approx(2000.0, abs=1e-9)
        assert row["denominator_unit"] == "t"
        assert row["intensity"] == pytest.approx(0.04153, rel=1e-12)
    # gadget at F1: 40 t / 500 pcs = 0.08 tCO2e/pcs
    row = intensity_row(mgmt_run, "G001", 2023, "production", product="gadget", facility_id="F1")
    assert row["intensity"] == pytest.approx(0.08, rel=1e-12)
    assert row["intensity_unit"] == "tCO2e/pcs"


# ---------------------------------------------------------------- fct_target_progress


def test_absolute_target_progress_by_hand(mgmt_run):
    # base 2021 = fct_baseline applied Scope 1 = 100 t; -42 % by 2030 -> target 58 t
    # 2023: trajectory 100 + (58 - 100) x 2/9 = 90.666...; actual 40 + 30 = 70 t (Scope 1)
    # progress (100 - 70) / (100 - 58) = 30 / 42 = 71.428571...%; 70 <= 90.67 on track
    row = progress(mgmt_run, "ABS-2030", 2023)
    assert row["base_value"] == pytest.approx(100.0, abs=1e-9)
    assert row["base_source"] == "fct_baseline"
    assert row["target_value"] == pytest.approx(58.0, abs=1e-9)
    assert row["trajectory"] == pytest.approx(100 - 42 * 2 / 9, abs=1e-9)
    assert row["actual"] == pytest.approx(70.0, abs=1e-9)
    assert row["progress_pct"] == pytest.approx(30 / 42 * 100, rel=1e-12)
    assert row["is_on_track"] is True
    assert row["unit"] == "tCO2e"
    # rows for every year from the base year to the target year; 2022 has no inventory
    years = [
        y
        for (y,) in mgmt_run.query(
            "select reporting_year from marts.fct_target_progress where target_name = 'ABS-2030' order by 1"
        )
    ]
    assert years == list(range(2021, 2031))
    assert progress(mgmt_run, "ABS-2030", 2022)["missing_reason"] == "not_reported"
    assert progress(mgmt_run, "ABS-2030", 2030)["trajectory"] == pytest.approx(58.0, abs=1e-9)


def test_intensity_target_progress_by_hand(mgmt_run):
    # base 2021 group intensity 100 / 500 = 0.2 tCO2e/万元; -50 % by 2025 -> 0.1
    # 2023: trajectory 0.2 - 0.1 x 2/4 = 0.15; actual 123.06 / 1,200 = 0.10255
    # progress (0.2 - 0.10255) / (0.2 - 0.1) = 97.45 %; on track
    row = progress(mgmt_run, "INT-REV-2025", 2023)
    assert row["base_value"] == pytest.approx(0.2, rel=1e-12)
    assert row["base_source"] == "fct_intensity"
    assert row["target_value"] == pytest.approx(0.1, rel=1e-12)
    assert row["trajectory"] == pytest.approx(0.15, rel=1e-12)
    assert row["actual"] == pytest.approx(0.10255, rel=1e-12)
    assert row["progress_pct"] == pytest.approx(97.45, rel=1e-9)
    assert row["is_on_track"] is True
    assert row["unit"] == "tCO2e/10^4 CNY"


def test_product_intensity_target_starts_from_its_base_year(mgmt_run):
    # widget: base 2023 = 0.04153 tCO2e/t, -10 % by 2025 -> 0.037377; progress 0 in the base year
    row = progress(mgmt_run, "INT-WIDGET-2025", 2023)
    assert row["base_value"] == pytest.approx(0.04153, rel=1e-12)
    assert row["target_value"] == pytest.approx(0.04153 * 0.9, rel=1e-12)
    assert row["progress_pct"] == pytest.approx(0.0, abs=1e-9)
    assert row["unit"] == "tCO2e/t"


def test_neutrality_vision_has_its_own_rows(mgmt_run):
    # sample carbon.yml: neutrality 2060, Scope 1 + 2 market; base 2021 = 100 t (no Scope 2 in 2021)
    rows = mgmt_run.query(
        "select min(reporting_year), max(reporting_year), any_value(base_value), any_value(target_value), "
        "bool_and(not is_interim), any_value(neutrality_year) from marts.fct_target_progress "
        "where target_kind = 'neutrality'"
    )
    assert rows == [(2021, 2060, pytest.approx(100.0, abs=1e-9), 0.0, True, 2060)]
    # 2023 gross: 70 t Scope 1 + 100 MWh x 0.6096 residual mix (no instruments) = 130.96 t
    row = progress(mgmt_run, "neutrality-2060", 2023)
    assert row["actual"] == pytest.approx(130.96, abs=1e-9)
    assert row["trajectory"] == pytest.approx(100 - 100 * 2 / 39, abs=1e-9)


# ---------------------------------------------------------------- carbon.yml


def _config(tmp_path: Path, **overrides) -> Path:
    data = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data.update(overrides)
    path = tmp_path / "carbon.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_intensity_scopes_default_and_configured(tmp_path):
    assert load_settings(SAMPLE_CONFIG).dbt_vars()["intensity_scopes"] == ["1", "2-location"]
    settings = load_settings(_config(tmp_path, intensity={"scopes": ["1", "2-market", "3"]}))
    assert settings.dbt_vars()["intensity_scopes"] == ["1", "2-market", "3"]


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"intensity": {"scopes": ["2"]}}, "'intensity.scopes'"),
        ({"targets": [{**TARGETS[0], "kind": "relative"}]}, "'kind'"),
        ({"targets": [{**TARGETS[0], "scopes": ["1", "4"]}]}, "scopes"),
        ({"targets": [{**TARGETS[0], "reduction_pct": 142}]}, "reduction_pct"),
        ({"targets": [{**TARGETS[0], "target_year": 2020}]}, "target_year"),
        ({"targets": [{**TARGETS[0], "base_year": "twenty"}]}, "base_year"),
        ({"targets": [{**TARGETS[1], "denominator": "headcount"}]}, "denominator"),
        ({"targets": [{**TARGETS[1], "scopes": ["1"]}]}, "'intensity.scopes'"),
        ({"targets": [TARGETS[0], TARGETS[0]]}, "name"),
        ({"neutrality": {"year": 2060, "scopes": ["1", "2-location", "2-market"]}}, "neutrality.scopes"),
    ],
)
def test_bad_targets_are_one_sentence_naming_the_key(tmp_path, overrides, names):
    with pytest.raises(ConfigError) as err:
        load_settings(_config(tmp_path, **overrides))
    message = str(err.value)
    assert names in message
    assert message.count(". ") == 0 and message.endswith(".")
    assert "\n" not in message


# ---------------------------------------------------------------- sample group


def test_sample_group_has_intensities_for_every_year(sample_run):
    rows = sample_run.query(
        "select reporting_year, numerator_t, denominator, intensity from marts.fct_intensity "
        "where is_group_total and denominator_kind = 'revenue' and reporting_year between 2021 and 2024 "
        "order by 1"
    )
    assert [r[0] for r in rows] == [2021, 2022, 2023, 2024]
    for _, numerator, denominator, intensity in rows:
        assert denominator > 0
        assert intensity == pytest.approx(numerator / denominator, rel=1e-12)


def test_sample_group_intensity_matches_an_independent_sum(sample_run):
    # numerator: Scope 1 + Scope 2 location x operational-control weight; denominator: each
    # revenue row / 10^4 x the entity's weight x whether its month lies in the entity's time in
    # the group (S300 joins 2023-07-01, S400 leaves 2022-09-30; all amounts are CNY).
    year = 2023
    numerator = sample_run.scalar(
        "select sum(co2e_t * weight_operational_control) from marts.fct_emissions where reporting_year = ? "
        "and (scope = '1' or (scope = '2' and scope2_method = 'location'))",
        [year],
    )
    denominator = sample_run.scalar(
        "select sum(f.revenue_amount / 10000 * e.weight_operational_control) "
        "from staging.stg_erp__financials as f join marts.dim_entities as e using (entity_id) "
        "where f.reporting_year = ? and f.currency_code = 'CNY' "
        "and (e.in_group_from_date is null or f.period_start >= date_trunc('month', e.in_group_from_date)) "
        "and (e.in_group_to_date is null or f.period_start <= e.in_group_to_date)",
        [year],
    )
    row = sample_run.query(
        "select numerator_t, denominator, intensity from marts.fct_intensity "
        "where is_group_total and denominator_kind = 'revenue' and reporting_year = ?",
        [year],
    )[0]
    assert row[0] == pytest.approx(numerator, rel=1e-9)
    assert row[1] == pytest.approx(denominator, rel=1e-9)
    assert row[2] == pytest.approx(numerator / denominator, rel=1e-9)


def test_sample_group_target_progress_uses_the_applied_base(sample_run):
    """docs/methods.md M-TGT-02, like for like on the sample: S300 joins on 2023-07-01 (recalculation triggered),
    S400 left on 2022-09-30."""
    scopes = "(scope = '1' or (scope = '2' and scope2_method = 'market'))"
    applied, original = sample_run.query(
        "select sum(applied_base_t), sum(original_base_t) from marts.fct_baseline "
        f"where consolidation_approach = 'operational_control' and {scopes}"
    )[0]
    rows = {
        r[0]: r[1:]
        for r in sample_run.query(
            "select reporting_year, base_value, target_value, trajectory, actual, reported_actual, progress_pct "
            "from marts.fct_target_progress where target_name = 'S12-2030' order by 1"
        )
    }
    assert list(rows) == list(range(2021, 2031))

    def inventory(year):
        return sample_run.scalar(
            "select sum(co2e_t) from marts.rpt_group_inventory where reporting_year = ? "
            f"and consolidation_approach = 'operational_control' and {scopes}",
            [year],
        )

    for year, (base_value, target_value, trajectory, actual, reported, progress_pct) in rows.items():
        assert target_value == pytest.approx(base_value * 0.58, rel=1e-12)
        assert trajectory == pytest.approx(
            base_value + (base_value * 0.58 - base_value) * (year - 2021) / 9, rel=1e-12
        )
        if year <= 2024:
            assert reported == pytest.approx(inventory(year), rel=1e-12)
            assert progress_pct == pytest.approx(
                (base_value - actual) / (base_value - target_value) * 100, rel=1e-9
            )
        else:  # after the last reporting year: not judged, on the last year-end boundary
            assert actual is None and progress_pct is None
            assert base_value == pytest.approx(applied, rel=1e-12)
    # the base year against itself: 0 %, the original base (its own year-end boundary: nobody joined yet)
    base_value, _, _, actual, _, progress_pct = rows[2021]
    assert base_value == pytest.approx(original, rel=1e-12) and actual == pytest.approx(base_value, rel=1e-12)
    assert progress_pct == pytest.approx(0.0, abs=1e-9)
    # 2023: on the end-of-2023 boundary S300 counts for the whole year and the whole base year: the base is
    # the recalculated one and the actual adds S300's January-June 2023 (reported only from July)
    s300_first_half = sample_run.scalar(
        "select sum(co2e_t * (1 - in_group_fraction)) from marts.fct_emissions "
        f"where entity_id = 'S300' and reporting_year = 2023 and {scopes}"
    )
    assert s300_first_half > 0
    assert rows[2023][0] == pytest.approx(applied, rel=1e-12)
    assert rows[2023][3] == pytest.approx(inventory(2023) + s300_first_half, rel=1e-9)
    # 2024: everybody of the year-end boundary was in the group all year: the actual is the inventory
    assert rows[2024][0] == pytest.approx(applied, rel=1e-12)
    assert rows[2024][3] == pytest.approx(inventory(2024), rel=1e-12)
