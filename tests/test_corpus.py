"""A corpus of damaged inputs through one `carbon run` (issue 14, "Reliability").

The bundled sample's landing folder is copied and damaged: per dataset, one corpus file of rows each
carrying one defect (NaN, inf, a decimal comma, a text in a number, a negative or absurd quantity, an
empty required field, an unknown facility, a future period, an Excel-number period, an extra field,
an unbalanced quote, a row re-sent from another file), plus files a reader could lose silently
(.tsv, .xls, a repeated header, a workbook with two data sheets or a README sheet first, UTF-16
without BOM, a BOM in a GB18030 folder, a nested Parquet column, NaN in Parquet, a link outside the
landing folder) and one keying error that multiplies a facility's diesel by 10^6.

The table `CASES` says what must become of each: quarantined with a rule code at its file and row,
or the file refused with a reason. One run judges them all; the test then checks that nothing was
counted twice (every figure of the years the keying error does not touch equals the golden file),
nothing was lost (per file, rows read = loaded + quarantined = the records a second CSV parser
counts), and the keying error stopped the reports with its finding.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import SAMPLE_LANDING, run_pipeline, write_workbook
from golden.figures import GOLDEN, read

from pipelines.lib.contract import dataset
from pipelines.lib.landing import Mapping, decode_csv_bytes
from pipelines.lib.quality.plan import load_plan

CORPUS_FILE = "zz_corpus.csv"
UNKNOWN = "NOPE-404"


@dataclass(frozen=True)
class Spec:
    """How to damage one dataset: the sample file the rows are taken from, which fields to damage,
    and how to give each damaged row a key of its own (so a defect is the row's only fault)."""

    template: str  # sample file, relative to the dataset folder
    number: str  # a numeric field
    date: str  # the field dating the activity
    text: str  # a required text field (emptied; an unbalanced quote put in it)
    ref: str | None  # a field naming a facility or entity (an unknown one)
    fresh: dict  # field -> value pattern with {n}, making the key unique


SPECS: dict[str, Spec] = {
    "erp/fuel_consumption": Spec("A600_2021.csv", "quantity", "period", "fuel", "facility_id", {"record_id": "CORPUS-{n}"}),
    "erp/process_activity": Spec("S500_2021.csv", "quantity", "period", "unit", "facility_id", {"process": "corpus_process_{n}"}),
    "erp/production": Spec("A600_2021.csv", "quantity", "period", "unit", "facility_id", {"product": "corpus_product_{n}"}),
    "erp/refrigerants": Spec("refrigerants_2021.csv", "purchased_kg", "period", "gas", "facility_id", {"gas": "R-CORPUS-{n}"}),
    "energy/energy_invoices": Spec("electricity_2021.csv", "quantity", "period", "currency", "facility_id", {"supplier": "corpus supplier {n}"}),
    "energy/meter_readings": Spec("monthly_2021.csv", "quantity", "reading_end", "unit", "meter_id",
                                  {"reading_start": "2010-01-01T00:{n:02d}:00", "reading_end": "2010-01-01T01:{n:02d}:00"}),
    "procurement/waste": Spec("waste_2021.csv", "quantity", "period", "unit", "facility_id", {"waste_type": "corpus_waste_{n}"}),
    "procurement/purchases": Spec("purchases_2021.csv", "spend_amount", "invoice_date", "currency", "entity_id", {"line_id": "CORPUS-{n}"}),
    "procurement/business_travel": Spec("business_travel_2021.csv", "distance_km", "date", "mode", "entity_id", {"trip_id": "CORPUS-{n}"}),
    "procurement/shipments": Spec("shipments_2021.csv", "weight_t", "date", "mode", "entity_id", {"shipment_id": "CORPUS-{n}"}),
    "procurement/other_value_chain": Spec("other_value_chain.csv", "quantity", "year", "unit", "entity_id", {"record_id": "CORPUS-{n}"}),
    "procurement/employee_commuting": Spec("employee_commuting.csv", "employees", "year", "mode", "entity_id", {"one_way_km": "9{n}.5"}),
    "procurement/investments": Spec("investments.csv", "investee_scope1_t", "year", "investee_id", "investor_entity_id", {"investee_id": "CORPUS-{n}"}),
    "erp/removals": Spec("removals.csv", "quantity_t", "year", "project", "entity_id", {"project": "corpus project {n}"}),
}  # fmt: skip


@dataclass(frozen=True)
class Case:
    id: str
    dataset: str
    file: str  # relative to the landing folder
    row: int | None  # data row (header excluded); None = the whole file is refused
    code: str  # the rule code the row (or file) must carry
    words: str = ""  # a phrase of the sentence, where the sentence is the point


def _rule_code(dataset_key: str, rule: str, column: str | None = None) -> str | None:
    """The plan's row rule that quarantines this defect (an error), if the dataset has one; a warning
    rule (a negative purchase is a credit note, loaded for review) makes no corpus case."""
    for c in load_plan().checks_for(dataset_key):
        if (c.rule == rule and c.severity == "error" and c.level == "row" and (column is None or column in c.columns)
                and (rule != "unique" or c.is_across_files)):  # fmt: skip
            return c.code
    return None


def _read_template(landing: Path, key: str, name: str) -> tuple[Mapping, list[str], list[list[str]]]:
    folder = landing / key
    mapping = Mapping.load(folder)
    rows = list(csv.reader(io.StringIO(decode_csv_bytes((folder / name).read_bytes(), mapping.encoding))))
    return mapping, rows[0], rows[1:]


def _future(key: str, column: str, original: str) -> str:
    kind = dataset(key).column(column).type
    if kind == "period":
        return "2031" if len(original) == 4 else "2031-01"
    return {"integer": "2031", "date": "2031-01-15", "timestamp": "2031-01-01T00:15:00"}[kind]


def _damage(landing: Path) -> list[Case]:
    cases: list[Case] = []
    for key, spec in SPECS.items():
        cases += _damage_dataset(landing, key, spec)
    cases += _damage_files(landing)
    return cases


def _damage_dataset(landing: Path, key: str, spec: Spec) -> list[Case]:
    """One corpus file of the dataset: one defect a row."""
    cases: list[Case] = []
    mapping, header, rows = _read_template(landing, key, spec.template)
    canonical = [mapping.columns.get(h.strip(), h.strip()) for h in header]
    at = {c: i for i, c in enumerate(canonical)}
    base = rows[0]
    lines: list[str] = []
    file = f"{key}/{CORPUS_FILE}"

    def add(case_id: str, code: str | None, changes: dict, *, raw: str | None = None, fresh: bool = True,
            words: str = "") -> None:  # fmt: skip
        if code is None:
            return
        n = len(lines) + 1
        values = list(base)
        if fresh:
            for col, pattern in spec.fresh.items():
                values[at[col]] = pattern.format(n=n)
        unquoted = {col: v for col, v in changes.items() if v.startswith('"')}  # written as is
        for col, value in changes.items():
            values[at[col]] = f"@@{col}@@" if col in unquoted else value
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(values)
        line = buffer.getvalue()
        for col, value in unquoted.items():
            line = line.replace(f"@@{col}@@", value)
        lines.append(raw.format(line=line) if raw else line)
        cases.append(Case(f"{key}:{case_id}", key, file, n, code, words))

    num, date, text = spec.number, spec.date, spec.text
    for word in ("NaN", "inf", "-Infinity"):
        add(word, "DQ-CONTRACT-003", {num: word}, words="only finite numbers are accepted")
    add("decimal-comma", "DQ-CONTRACT-003", {num: "1234,5"}, words="declare decimal: ','")
    add("european-number", "DQ-CONTRACT-003", {num: "1.234,5"}, words="declare decimal: ','")
    add("text-in-number", "DQ-CONTRACT-003", {num: "about 12"}, words="is not a")
    add("negative", _rule_code(key, "non_negative", num), {num: "-5"}, words="which is negative")
    add("absurd", _rule_code(key, "plausible_max", num), {num: "1e15"}, words="largest plausible value")
    add("empty-required", "DQ-CONTRACT-002", {text: ""}, words="is empty")
    if spec.ref:
        add(
            "unknown-reference", _rule_code(key, "in_reference", spec.ref), {spec.ref: UNKNOWN}, words=UNKNOWN
        )
    add(
        "future",
        "DQ-CONTRACT-005",
        {date: _future(key, date, base[at[date]])},
        words="lies after the run date",
    )
    if dataset(key).column(date).type == "period":
        add("excel-number-period", "DQ-CONTRACT-003", {date: "2018.1"}, words="may mean 2018-01 or 2018-10")
    add("extra-field", "DQ-CONTRACT-004", {}, raw="{line},EXTRA", words="fields, the header")
    add("unbalanced-quote", "DQ-CONTRACT-004", {text: '"' + (base[at[text]] or "x")}, raw="{line}",
        words="cannot be split")  # fmt: skip
    add("re-sent", _rule_code(key, "unique"), {}, fresh=False, words="already loaded from")
    encoding = mapping.encoding or "utf-8"
    (landing / file).write_bytes(("\n".join([",".join(header), *lines]) + "\n").encode(encoding))
    return cases


def _damage_files(landing: Path) -> list[Case]:
    """Files a reader could lose silently; each refused with a reason, or read and judged."""
    fuel = "erp/fuel_consumption"
    mapping, header, rows = _read_template(landing, fuel, "A600_2021.csv")
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    out: list[Case] = []
    folder = landing / fuel
    (folder / "corpus_tab.tsv").write_text(text.replace(",", "\t"), encoding="utf-8")
    out.append(
        Case("file:tsv", fuel, f"{fuel}/corpus_tab.tsv", None, "DQ-CONTRACT-000", ".tsv files are not read")
    )
    (folder / "corpus_old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    out.append(
        Case("file:xls", fuel, f"{fuel}/corpus_old.xls", None, "DQ-CONTRACT-000", ".xls files are not read")
    )
    (folder / "corpus_header_twice.csv").write_text(
        ",".join([*header, "quantity"]) + "\n" + ",".join([*rows[0], "99"]) + "\n", encoding="utf-8"
    )
    out.append(Case("file:header-twice", fuel, f"{fuel}/corpus_header_twice.csv", None, "DQ-CONTRACT-000",
                    "the header 'quantity' appears more than once"))  # fmt: skip
    # UTF-16 without a mark in a GB18030 folder; a BOM in the same folder: both decoded, so every row
    # is recognised as a re-sent copy of A600_2021.csv by its record id
    (folder / "corpus_utf16.csv").write_bytes(text.encode("utf-16-le"))
    (folder / "corpus_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    for name in ("corpus_utf16.csv", "corpus_bom.csv"):
        for n in range(1, len(rows) + 1):
            out.append(
                Case(f"file:{name}:{n}", fuel, f"{fuel}/{name}", n, "DQ-UNIQ-001", "already loaded from")
            )
    # hostile names and values: a quote and SQL in the file name and in a key; data, never SQL text
    hostile = "zz_o'brien; drop table raw.erp__facilities; --.csv"
    bad_id = "F13'; delete from raw.erp__fuel_consumption; --"
    (folder / hostile).write_text(
        ",".join(header) + "\n" + ",".join(["HOSTILE-1", bad_id, *rows[0][2:]]) + "\n", encoding="utf-8"
    )
    out.append(Case("file:hostile-names", fuel, f"{fuel}/{hostile}", 1, "DQ-REF-001", bad_id))
    outside = landing.parent / "outside.csv"
    outside.write_text(text.replace("A600-FC", "OUT-FC"), encoding="utf-8")
    (folder / "corpus_link.csv").symlink_to(outside)
    out.append(Case("file:link-outside", fuel, f"{fuel}/corpus_link.csv", None, "DQ-CONTRACT-000",
                    "outside the landing folder"))  # fmt: skip
    frame = pl.DataFrame({"record_id": ["PQ-1", "PQ-2"], "facility_id": ["F13", "F13"], "period": ["2021-01", "2021-02"],
                          "fuel": ["diesel", "diesel"], "quantity": [float("nan"), float("inf")], "unit": ["t", "t"],
                          "use": ["mobile", "mobile"]})  # fmt: skip
    frame.write_parquet(folder / "corpus_nan.parquet")
    for n in (1, 2):
        out.append(Case(f"file:parquet-nan:{n}", fuel, f"{fuel}/corpus_nan.parquet", n, "DQ-CONTRACT-003"))
    meters = "energy/meter_readings"
    pl.DataFrame({"meter_id": ["EM-F01"], "reading_start": ["2021-01-01T00:00:00"],
                  "reading_end": ["2021-01-01T00:15:00"], "quantity": [[1.0, 2.0]], "unit": ["kWh"]}).write_parquet(
        landing / meters / "corpus_nested.parquet"
    )  # fmt: skip
    out.append(Case("file:parquet-nested", meters, f"{meters}/corpus_nested.parquet", None, "DQ-CONTRACT-000",
                    "hold lists or records"))  # fmt: skip

    fin = "erp/financials"
    frame = pl.read_excel(sorted((landing / fin).glob("*.xlsx"))[0], infer_schema_length=0)
    head, body = list(frame.columns), [list(r) for r in frame.head(2).iter_rows()]

    write_workbook(landing / fin / "zz_corpus_readme_first.xlsx", [("README", [["Financials of 2021, re-sent for the audit."]]),
                                          ("data", [head, *body])])  # fmt: skip
    for n in (1, 2):  # read behind the README sheet: recognised as re-sent rows
        out.append(Case(f"file:readme-first:{n}", fin, f"{fin}/zz_corpus_readme_first.xlsx", n, "DQ-UNIQ-023",
                        "already loaded from"))  # fmt: skip
    write_workbook(
        landing / fin / "zz_corpus_two_sheets.xlsx", [("2021", [head, *body]), ("2022", [head, *body])]
    )
    out.append(Case("file:two-data-sheets", fin, f"{fin}/zz_corpus_two_sheets.xlsx", None, "DQ-CONTRACT-000",
                    "one data sheet per workbook"))  # fmt: skip
    return out


def _key_in_error(landing: Path) -> None:
    """F01's diesel (mobile) of January 2023 keyed as 10,000,000 t instead of 7.731 t."""
    path = landing / "erp/fuel_consumption/S100_2023.csv"
    text = path.read_text(encoding="utf-8")
    assert "S100-FC2023-00003,F01,2023-01,diesel,7.731,t,mobile" in text
    path.write_text(text.replace("S100-FC2023-00003,F01,2023-01,diesel,7.731,t,mobile",
                                 "S100-FC2023-00003,F01,2023-01,diesel,10000000,t,mobile"), encoding="utf-8")  # fmt: skip


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    landing = root / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    cases = _damage(landing)
    _key_in_error(landing)
    result = run_pipeline(landing, root / "carbon.duckdb", reports=True)  # a blocked run writes no PDF
    return cases, result, landing


def test_the_corpus_has_over_a_hundred_damaged_inputs(corpus):
    cases, _result, _landing = corpus
    assert len(cases) >= 100
    assert len({c.id for c in cases}) == len(cases)


def test_every_damaged_row_is_quarantined_with_its_rule_and_every_bad_file_refused(corpus):
    cases, result, _landing = corpus
    assert "Traceback" not in result.stdout + result.stderr
    findings: dict[tuple[str, int], set[str]] = {}
    for path, row, code in result.query(
        "select file_path, row_number, check_code from ingest.row_findings where is_quarantined"
    ):
        findings.setdefault((path, row), set()).add(code)
    messages = {
        (p, r): m for p, r, m in result.query("select file_path, row_number, message from ingest.quarantine")
    }
    refused = dict(result.query("select file_path, message from ingest.files where status = 'unreadable'"))
    wrong = []
    for case in cases:
        if case.row is None:
            if case.file not in refused or case.words not in refused[case.file]:
                wrong.append(
                    f"{case.id}: {case.file} not refused with {case.words!r} ({refused.get(case.file)!r})"
                )
            continue
        got = findings.get((case.file, case.row), set())
        message = messages.get((case.file, case.row), "")
        if (
            case.code not in got
            or not message.startswith(f"{case.file}, row {case.row}")
            or case.words not in message
        ):
            wrong.append(f"{case.id}: row {case.row} has {sorted(got)} / {message!r}; expected {case.code} "
                         f"with {case.words!r}")  # fmt: skip
    assert wrong == []


def test_no_row_is_lost_per_file_by_an_independent_count(corpus):
    _cases, result, landing = corpus
    files = result.query(
        "select dataset_key, file_path, status, rows_read, rows_loaded, rows_quarantined from ingest.files"
    )
    quarantined = dict(result.query("select file_path, count(*) from ingest.quarantine group by 1"))
    assert files
    for key, path, status, read_, loaded, held in files:
        if status in ("unreadable", "duplicate"):
            continue
        assert read_ == loaded + held, path
        assert held == quarantined.get(path, 0), path
        if path.endswith(".csv"):
            mapping = Mapping.load(landing / key)
            text = decode_csv_bytes((landing / path).read_bytes(), mapping.encoding)
            # physical lines (no field of these files spans lines), not the reader's records
            lines = sum(1 for line in text.splitlines() if line.strip()) - 1
            assert read_ == lines, f"{path}: {read_} rows read, {lines} lines in the file"


def test_nothing_is_counted_twice_every_figure_outside_the_keying_error_is_the_golden_one(corpus):
    _cases, result, _landing = corpus
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    con = duckdb.connect(str(result.warehouse), read_only=True)
    try:
        actual = json.loads(json.dumps(read(con), default=str))
    finally:
        con.close()
    compared = 0
    for mart in ("rpt_group_inventory", "fct_baseline"):
        for key, row in expected[mart].items():
            if mart == "rpt_group_inventory" and key.startswith("2023 "):
                continue  # the year of the keying error
            got = actual[mart][key]
            for col, want in row.items():
                if isinstance(want, float):
                    assert got[col] == pytest.approx(want, abs=1e-6, rel=0), (mart, key, col)
                    compared += 1
    assert compared > 100


def test_a_keying_error_stops_the_reports_with_a_finding_naming_it(corpus):
    _cases, result, _landing = corpus
    assert result.returncode == 1
    assert ("[DQ-DEV-007] Facility F01 diesel, mobile 2023: 833,340.344 t a reported month on average (12 months), "
            "111,311.2× above 2022 (7.487 t)") in result.stdout  # fmt: skip
    assert "the reports and KPI workbooks were not written" in result.stdout + result.stderr
    assert not list((result.warehouse.parent / "reports").glob("*.pdf"))
    [(status,)] = result.query("select status from history.runs")
    assert status == "failed"  # blocked by the plan: recorded, not published
