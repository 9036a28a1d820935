"""carbon.yml is strict (issue 13; docs/configuration.md).

Unknown and misspelt keys at every level, keys given twice and values of the
wrong type are one sentence naming the key and the file; the CLI turns them
into exit 2. Commands that read a built warehouse with a configuration refuse
one the warehouse was not built with, naming the keys that differ.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml
from conftest import REPO, SAMPLE_CONFIG, run_carbon

from pipelines import cli
from pipelines.lib import settings as settings_module
from pipelines.lib.history.config_match import ConfigMismatchError, check_config_matches
from pipelines.lib.history.schema import ensure_history_schema
from pipelines.lib.settings import ConfigError, load_settings

SAMPLE = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
DOC = REPO / "docs" / "configuration.md"


def config(tmp_path: Path, name: str = "carbon.yml", **overrides) -> Path:
    """The sample's configuration with top-level keys replaced (None removes a key)."""
    data = {**SAMPLE, **overrides}
    data = {k: v for k, v in data.items() if v is not None}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    message = str(err.value)
    assert message.startswith(f"{path}: "), message  # names the file
    assert "\n" not in message and "Traceback" not in message
    return message


# ---------------------------------------------------------------- unknown and misspelt keys


def test_an_unknown_top_level_key_is_an_error_listing_the_keys(tmp_path):
    path = config(tmp_path, franchise_policy="none")
    message = error_of(path)
    assert message == (
        f"{path}: 'franchise_policy' is not a configuration key (the top-level keys are "
        + ", ".join(settings_module.TOP_LEVEL_KEYS)
        + ")."
    )


def test_a_misspelt_top_level_key_suggests_the_nearest(tmp_path):
    path = config(tmp_path, gwp_set=None, gwp_sets="AR5")
    assert error_of(path) == f"{path}: 'gwp_sets' is not a configuration key (did you mean 'gwp_set'?)."


def test_a_misspelt_target_key_names_the_key_the_file_and_the_suggestion(tmp_path):
    target = {k: v for k, v in SAMPLE["targets"][0].items() if k != "reduction_pct"}
    path = config(tmp_path, targets=[{**target, "reduction_pc": 42}])
    assert error_of(path) == (
        f"{path}: 'targets[0].reduction_pc' is not a configuration key "
        "(did you mean 'targets[0].reduction_pct'?)."
    )


@pytest.mark.parametrize(
    ("overrides", "key", "suggestion"),
    [
        ({"scope2": {"location_factr": "national"}}, "scope2.location_factr", "scope2.location_factor"),
        ({"neutrality": {"yaer": 2060}}, "neutrality.yaer", "neutrality.year"),
        ({"intensity": {"scope": ["1", "2-location"]}}, "intensity.scope", "intensity.scopes"),
        ({"reporting_years": {"from": 2021, "until": 2024}}, "reporting_years.until", None),
        ({"report": {"responsible": "王敏"}}, "report.responsible", "report.responsible_person"),
        # extra keys of a target were kept silently before: now an error like any other
        ({"targets": [{**SAMPLE["targets"][0], "owner": "CFO"}]}, "targets[0].owner", None),
    ],
)
def test_unknown_nested_keys_are_errors(tmp_path, overrides, key, suggestion):
    message = error_of(config(tmp_path, **overrides))
    assert f"'{key}' is not a configuration key" in message
    if suggestion:
        assert message.endswith(f"(did you mean '{suggestion}'?).")
    else:
        assert "did you mean" not in message and "the keys of '" in message


def test_a_key_given_twice_is_an_error(tmp_path):
    path = tmp_path / "carbon.yml"
    path.write_text(SAMPLE_CONFIG.read_text(encoding="utf-8") + "gwp_set: AR5\n", encoding="utf-8")
    lines = path.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines, 1) if line.startswith("gwp_set:"))
    assert (
        error_of(path)
        == f"{path}: 'gwp_set' is given twice in one mapping (lines {first} and {len(lines)}); keep one."
    )


# ---------------------------------------------------------------- values of the wrong type


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"gwp_set": 6}, "'gwp_set' is 6; expected one of AR4, AR5, AR6."),
        (
            {"recalculation_threshold_pct": "five"},
            "'recalculation_threshold_pct' must be a number from 0 to 100, not 'five'.",
        ),
        (
            {"recalculation_threshold_pct": "5"},
            "'recalculation_threshold_pct' must be a number from 0 to 100, not '5'.",
        ),
        ({"ets_price_per_t": [95]}, "'ets_price_per_t' must be a number of 0 or more, not [95]."),
        ({"ets_offset_limit_pct": 120}, "'ets_offset_limit_pct' is 120; expected a number from 0 to 100."),
        ({"ets_offset_limit_pct": True}, "'ets_offset_limit_pct' must be a number from 0 to 100, not True."),
        (
            {"reporting_years": {"from": 2024, "to": 2021}},
            "'reporting_years' runs from 2024 to 2021; 'from' must not be after 'to'.",
        ),
        ({"reporting_years": {"from": 2021}}, "'reporting_years' needs both 'from' and 'to' (missing: to)."),
        ({"reporting_years": [2021, 2022, 2021]}, "'reporting_years' lists 2021 more than once."),
        (
            {"reporting_years": [2021, "last"]},
            "'reporting_years[1]' must be a year such as 2030, not 'last'.",
        ),
        (
            {"reporting_years": 2023},
            "'reporting_years' must be a list of years such as [2021, 2022] or a range such as "
            "{from: 2021, to: 2024}, not 2023.",
        ),
        (
            {"scope3_exclusions": {16: "x"}},
            "'scope3_exclusions' has category 16; Scope 3 categories are 1 to 15.",
        ),
        (
            {"scope3_exclusions": {14: ""}},
            "'scope3_exclusions.14' must be a reason (a non-empty text saying why category 14 has no numbers), "
            "not ''.",
        ),
        (
            {"scope3_exclusions": {"franchises": "none"}},
            "'scope3_exclusions' has the key 'franchises'; keys are Scope 3 category numbers from 1 to 15.",
        ),
        ({"scope3_exclusions": {14: "a", "14": "b"}}, "'scope3_exclusions' gives category 14 twice."),
        (
            {"scope3_exclusions": ["14"]},
            "'scope3_exclusions' must be a mapping such as {14: \"no franchises\"}, not ['14'].",
        ),
        ({"base_year": []}, "'base_year' is an empty list; give at least one year."),
        ({"base_year": 2021.5}, "'base_year' must be a year or a list of years, not 2021.5."),
        (
            {"reporting_currency": "yuan"},
            "'reporting_currency' must be a three-letter ISO 4217 code such as CNY, not 'yuan'.",
        ),
        ({"group_root": ["G001"]}, "'group_root' must be an entity id such as G001, not ['G001']."),
        (
            {"scope2": "national"},
            "'scope2' must be a mapping such as {location_factor: national}, not 'national'.",
        ),
        (
            {"neutrality": {"year": 2060, "scopes": "1"}},
            "'neutrality.scopes' is '1'; expected a non-empty list of scope labels from 1, 2-location, 2-market, 3.",
        ),
        (
            {"report": {"responsible_person": ["a", "b"]}},
            "'report.responsible_person' must be a text, not ['a', 'b'].",
        ),
        (
            {"targets": [{**SAMPLE["targets"][0], "reduction_pct": "42"}]},
            "'targets[0] (S12-2030).reduction_pct' must be a number from 0 to 100, not '42'.",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_one_sentence_naming_the_key(tmp_path, overrides, expected):
    path = config(tmp_path, **overrides)
    assert error_of(path) == f"{path}: {expected}"


# ---------------------------------------------------------------- what dbt gets


@pytest.mark.parametrize(
    ("value", "years"),
    [
        ({"from": 2021, "to": 2024}, [2021, 2022, 2023, 2024]),
        ({"from": 2023, "to": 2023}, [2023]),
        ([2024, 2021, 2022, 2023], [2021, 2022, 2023, 2024]),
        (["2022", 2021], [2021, 2022]),
        (None, []),  # absent: the reporting years come from data coverage (docs/methods.md M-PER-01)
    ],
)
def test_reporting_years_in_both_forms_become_a_sorted_list(tmp_path, value, years):
    settings = load_settings(config(tmp_path, reporting_years=value))
    assert settings.dbt_vars()["reporting_years"] == years
    assert json.loads(settings.dbt_vars_json())["reporting_years"] == years


def test_scope3_exclusions_become_text_keyed_reasons(tmp_path):
    settings = load_settings(
        config(tmp_path, scope3_exclusions={14: " no franchises ", "8": "no upstream leases"})
    )
    assert settings.dbt_vars()["scope3_exclusions"] == {"8": "no upstream leases", "14": "no franchises"}
    assert load_settings(config(tmp_path, scope3_exclusions=None)).dbt_vars()["scope3_exclusions"] == {}


def test_ets_offset_limit_defaults_to_five_percent(tmp_path):
    assert (
        load_settings(config(tmp_path, ets_offset_limit_pct=None)).dbt_vars()["ets_offset_limit_pct"] == 5.0
    )
    assert load_settings(config(tmp_path, ets_offset_limit_pct=10)).dbt_vars()["ets_offset_limit_pct"] == 10.0


def test_the_sample_configuration_gives_these_dbt_vars():
    vars_ = load_settings(SAMPLE_CONFIG).dbt_vars()
    vars_.pop("dq_score_weights")  # from data_quality/plan.yml, not carbon.yml
    assert vars_ == {
        "acknowledged_jumps": [],
        "group_root": "G001",
        "consolidation": "operational_control",
        "reporting_currency": "CNY",
        "base_years": [2021],
        "recalculation_threshold_pct": 5.0,
        "gwp_set": "AR6",
        "scope2_location_factor": "national",
        "scope2_location_family": "grid_average",
        "targets": [
            {
                "name": "S12-2030",
                "kind": "absolute",
                "scopes": ["1", "2-market"],
                "base_year": 2021,
                "target_year": 2030,
                "reduction_pct": 42.0,
                "denominator": None,
            }
        ],
        "neutrality": {"year": 2060, "scopes": ["1", "2-market"]},
        "ets_price_per_t": 95.0,
        "ets_offset_limit_pct": 5.0,
        "intensity_scopes": ["1", "2-location"],
        "reporting_years": [],
        "scope3_exclusions": {
            "8": "no upstream leased assets: every site of the group is owned, none is leased in",
            "13": "no downstream leased assets: the group leases no assets out",
            "14": "no franchises: the group neither grants nor operates franchises",
        },
    }


def test_comments_key_order_and_written_defaults_do_not_change_the_settings(tmp_path):
    reordered = dict(reversed(list(SAMPLE.items())))
    path = tmp_path / "carbon.yml"
    text = yaml.safe_dump(reordered, allow_unicode=True, sort_keys=False)
    path.write_text(
        "# another group's copy\n"
        + text
        + "ets_offset_limit_pct: 5\nintensity:\n  scopes: ['1', '2-location']\n",
        encoding="utf-8",
    )
    assert load_settings(path).dbt_vars_json() == load_settings(SAMPLE_CONFIG).dbt_vars_json()


# ---------------------------------------------------------------- docs/configuration.md


def test_the_documentation_names_every_key_and_its_full_example_loads(tmp_path):
    doc = DOC.read_text(encoding="utf-8")
    nested = {
        "scope2": settings_module.SCOPE2_KEYS,
        "neutrality": settings_module.NEUTRALITY_KEYS,
        "intensity": settings_module.INTENSITY_KEYS,
        "report": settings_module.REPORT_KEYS,
        "automation": settings_module.AUTOMATION_KEYS,
    }
    for key in settings_module.TOP_LEVEL_KEYS:
        if key in nested:
            for sub in nested[key]:
                assert f"`{key}.{sub}`" in doc, f"{key}.{sub}"
        else:
            assert f"`{key}`" in doc, key
    for key in settings_module.TARGET_KEYS:
        assert f"| `{key}` |" in doc, f"targets[i].{key}"
    for var in load_settings(SAMPLE_CONFIG).dbt_vars():
        assert f"| `{var}` |" in doc, var
    example = re.search(r"### A full file\n\n```yaml\n(.*?)```", doc, re.S).group(1)
    path = tmp_path / "example.yml"
    path.write_text(example, encoding="utf-8")
    settings = load_settings(path)
    assert settings.reporting_years == (2021, 2022, 2023, 2024)
    assert settings.report["responsible_person"] == "王敏 (EHS director)"
    assert settings.automation == {"landing_sensor": False, "monthly_close": True,
                                   "monthly_close_cron": "0 6 2 * *", "timezone": "Asia/Shanghai"}  # fmt: skip
    assert "docs/configuration.md" in SAMPLE_CONFIG.read_text(encoding="utf-8")


# ---------------------------------------------------------------- the CLI: exit 2


def test_carbon_run_with_a_bad_configuration_exits_2_with_one_sentence(tmp_path):
    bad = config(tmp_path, "bad.yml", scope3_exclusion={14: "no franchises"})
    proc = run_carbon("run", "--config", str(bad), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"carbon: {bad}: 'scope3_exclusion' is not a configuration key (did you mean 'scope3_exclusions'?). "
        "/ 配置项 'scope3_exclusion' 有误，请按 docs/configuration.md 修改。"
    ]
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    ("overrides", "english"),
    [
        # validated once, in settings.py; the models call var('consolidation') and trust it
        (
            {"consolidation": "proportional"},
            "'consolidation' is 'proportional'; expected one of equity_share, operational_control, "
            "financial_control.",
        ),
        # a scope label the scope_labels macro would not know
        (
            {"neutrality": {"year": 2060, "scopes": ["1", "4"]}},
            "'neutrality.scopes' is ['1', '4']; expected a non-empty list of scope labels from 1, "
            "2-location, 2-market, 3.",
        ),
    ],
)
def test_carbon_run_refuses_a_bad_value_before_dbt_with_a_bilingual_sentence(tmp_path, overrides, english):
    bad = config(tmp_path, "bad.yml", **overrides)
    key = english.split("'")[1]
    proc = run_carbon("run", "--config", str(bad), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"carbon: {bad}: {english} / 配置项 '{key}' 有误，请按 docs/configuration.md 修改。"
    ]
    assert not (tmp_path / "w.duckdb").exists()  # refused before anything was built


def test_an_error_of_the_whole_file_names_no_key(tmp_path):
    path = tmp_path / "carbon.yml"
    path.write_text("- a list, not a mapping\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert err.value.key is None
    assert err.value.bilingual() == (
        f"{path}: expected a mapping of keys such as group_root, gwp_set. / 配置文件有误，请按 docs/configuration.md 修改。"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["run"],
        ["ui"],
        ["report", "--year", "2023"],
        ["audit-pack", "--year", "2023"],
        ["docs"],
        ["kpis", "--year", "2023"],
    ],
)
def test_every_command_taking_a_config_exits_2_on_a_bad_one(tmp_path, capsys, argv):
    bad = config(tmp_path, "bad.yml", gwp_set=6)
    code = cli.main([*argv, "--config", str(bad), "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"carbon: {bad}: 'gwp_set' is 6; expected one of AR4, AR5, AR6. "
        "/ 配置项 'gwp_set' 有误，请按 docs/configuration.md 修改。"
    ]


# ---------------------------------------------------------------- the configuration a warehouse was built with


def test_report_and_kpis_refuse_a_config_the_warehouse_was_not_built_with(sample_run, tmp_path):
    other = config(tmp_path, consolidation="equity_share", gwp_set="AR5")
    expected = (
        f"carbon: {sample_run.warehouse} was built with consolidation: operational_control, gwp_set: AR6; "
        f"carbon.yml now says consolidation: equity_share, gwp_set: AR5. "
        f"Re-run `carbon run --config {other}` or pass the config it was built with."
    )
    for argv in (
        ["report", "--year", "2023", "--out", str(tmp_path / "reports")],
        ["kpis", "--year", "2023", "--out", str(tmp_path / "kpis.xlsx")],
        ["audit-pack", "--year", "2023", "--out", str(tmp_path / "pack.zip")],
        ["docs", "--out", str(tmp_path / "docs")],
    ):
        proc = run_carbon(*argv, "--warehouse", str(sample_run.warehouse), "--config", str(other))
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert proc.stderr.strip().splitlines() == [expected], argv
    assert sorted(p.name for p in tmp_path.iterdir()) == ["carbon.yml"]  # nothing was written


def test_a_reordered_commented_copy_of_the_build_config_is_accepted(sample_run, tmp_path):
    copy = tmp_path / "copy.yml"
    copy.write_text("# the same setup, keys in another order\n" + yaml.safe_dump(
        dict(reversed(list(SAMPLE.items()))), allow_unicode=True, sort_keys=False) + "ets_offset_limit_pct: 5\n",
        encoding="utf-8")  # fmt: skip
    check_config_matches(sample_run.warehouse, load_settings(copy), copy)  # no exception
    out = tmp_path / "kpis.json"
    proc = run_carbon("kpis", "--year", "2023", "--format", "json", "--out", str(out),
                      "--warehouse", str(sample_run.warehouse), "--config", str(copy))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))


def _warehouse_with_runs(path: Path, runs: list[tuple[str, bool, str | None]]) -> Path:
    """A warehouse file whose history.runs holds ``runs`` (status, is_inventory_built, settings_json), oldest
    first: what `carbon run` records, written with the same schema code."""
    con = duckdb.connect(str(path))
    try:
        ensure_history_schema(con)
        for i, (status, built, settings_json) in enumerate(runs):
            con.execute(
                "insert into history.runs (run_id, started_at, finished_at, exit_code, status, is_inventory_built,"
                " settings_json) values (?, ?, ?, ?, ?, ?, ?)",
                [f"run-{i}", f"2025-01-0{i + 1} 10:00:00", f"2025-01-0{i + 1} 10:05:00",
                 0 if status == "success" else 1, status, built, settings_json],
            )  # fmt: skip
    finally:
        con.close()
    return path


def test_a_later_failed_run_with_another_config_is_named(tmp_path):
    sample = load_settings(SAMPLE_CONFIG)
    other_path = config(tmp_path, "other.yml", gwp_set="AR5")
    other = load_settings(other_path)
    wh = _warehouse_with_runs(tmp_path / "w.duckdb", [
        ("success", True, sample.dbt_vars_json()),
        ("failed", False, other.dbt_vars_json()),  # stopped before the inventory: the marts may be mixed
    ])  # fmt: skip
    with pytest.raises(ConfigMismatchError) as err:
        check_config_matches(wh, sample, SAMPLE_CONFIG)
    assert str(err.value).startswith(
        f"{wh} was last run (failed) with gwp_set: AR5; carbon.yml now says gwp_set: AR6."
    )
    with pytest.raises(ConfigMismatchError) as err:
        check_config_matches(wh, other, other_path)
    assert str(err.value).startswith(f"{wh} was built with gwp_set: AR6; other.yml now says gwp_set: AR5.")
    # a later run that rebuilt the inventory with the other config supersedes the first
    wh2 = _warehouse_with_runs(tmp_path / "w2.duckdb", [
        ("success", True, sample.dbt_vars_json()), ("success", True, other.dbt_vars_json()),
    ])  # fmt: skip
    check_config_matches(wh2, other, other_path)


def test_old_warehouses_give_a_sentence_not_a_crash(tmp_path):
    sample = load_settings(SAMPLE_CONFIG)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ConfigMismatchError) as err:
        check_config_matches(empty, sample, SAMPLE_CONFIG)
    assert str(err.value) == (
        f"{empty} has no run manifest (history.runs), so the configuration it was built with is unknown; "
        f"run `carbon run --config {SAMPLE_CONFIG}` to build it with this one."
    )
    before = {k: v for k, v in json.loads(sample.dbt_vars_json()).items()
              if k not in ("reporting_years", "scope3_exclusions", "ets_offset_limit_pct")}  # fmt: skip
    wh = _warehouse_with_runs(tmp_path / "old.duckdb", [("success", True, json.dumps(before))])
    with pytest.raises(ConfigMismatchError) as err:
        check_config_matches(wh, sample, SAMPLE_CONFIG)
    assert str(err.value) == (
        f"{wh} was built by an earlier version of carbon that did not know ets_offset_limit_pct, reporting_years, "
        f"scope3_exclusions; run `carbon run --config {SAMPLE_CONFIG}` to build it with this one."
    )
    unrecorded = _warehouse_with_runs(tmp_path / "unrecorded.duckdb", [("success", True, None)])
    with pytest.raises(ConfigMismatchError, match="did not record its configuration"):
        check_config_matches(unrecorded, sample, SAMPLE_CONFIG)
