"""docs/methods.md, the project's statement of its calculation rules, names only what exists.

Every model path, test file, pytest function and dbt unit test the document names
must exist; every in-page link must reach an anchor; every rule names the model
that implements it and a test that checks it; every section number of the
specification's METHODS.md that older documents cite ("METHODS.md 4", "METHODS 8")
is in the document's "Cited as → section" table. The code and the documents cite
what a reader can open: `docs/methods.md M-S3-04` (an existing rule) or
`docs/methods.md "Scope 3"` (an existing section), never METHODS.md, PRODUCT.md or
SOURCES.md, which are not in the repository. No pipeline run: the checks read files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "methods.md"
CITING_TREES = ("pipelines", "dbt_project", "tests")
CITING_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".md", ".html", ".j2", ".txt"}
PATH_ROOTS = ("dbt_project/", "tests/", "pipelines/", "seeds/", "data_quality/", "docs/")

# the topics issue 17 asks the document to cover, by rule identifier
REQUIRED_RULES = {
    "M-PER-01", "M-PER-02", "M-PER-03",
    "M-GWP-01", "M-GWP-02", "M-GWP-03", "M-GWP-04",
    "M-S1-01", "M-S1-02", "M-S1-03", "M-S1-04", "M-UNIT-01",
    "M-CAL-01", "M-CAL-02", "M-S2-01", "M-S2-02", "M-S2-03", "M-S2-04", "M-S2-05",
    "M-S3-01", "M-S3-02", "M-S3-03", "M-S3-04", "M-S3-05", "M-S3-06", "M-UNE-01",
    "M-FAC-01", "M-FAC-02", "M-FAC-03", "M-FAC-04",
    "M-BND-01", "M-BND-02", "M-BND-03",
    "M-BASE-01", "M-BASE-02", "M-BASE-03", "M-BASE-04",
    "M-INT-01", "M-TGT-01", "M-TGT-02", "M-CP-01", "M-CP-02",
    "M-DQ-01", "M-DQ-02", "M-HIST-01",
}  # fmt: skip

CITATION = re.compile(r"\bMETHODS(?:\.md)?[ \t]+§?[ \t]*(\d+(?:\.\d+)*)")
# a citation of a specification file that is not in the repository
OUTSIDE = re.compile(r"\bMETHODS\.md|\bMETHODS[ \t]+§?[ \t]*\d|\bPRODUCT\.md|\bSOURCES\.md")
# the trees whose files must cite what a reader can open, and the one place that may name the old forms
OUTSIDE_TREES = (
    "pipelines",
    "dbt_project",
    "data_quality",
    "tests",
    "docs",
    "seeds",
    "sample_group",
    "notebooks",
)
OUTSIDE_FILES = ("README.md",)
SKIPPED_PARTS = {".venv", "target", "dbt_packages", "logs", "__pycache__", "uncommitted"}
# the section numbers of METHODS.md older documents cite: the table maps each of them
OLD_SECTIONS = {"METHODS.md"} | {f"METHODS.md {n}" for n in range(9)}
RULE_CITATION = re.compile(
    r"docs/methods\.md,?[ \t]+(M-[A-Z0-9]+-\d+(?:(?:,[ \t]*|[ \t]+and[ \t]+)M-[A-Z0-9]+-\d+)*)"
)
SECTION_CITATION = re.compile(r'docs/methods\.md[ \t]+"([^"\n]+)"((?:,[ \t]*"[^"\n]+")*)')
MAPPED = re.compile(r"^\|\s*`(METHODS\.md(?: \d+(?:\.\d+)*)?)`[^|`]*\|", re.MULTILINE)
RULE_HEADING = re.compile(r"^### (M-[A-Z0-9]+-\d+) ", re.MULTILINE)
UNIT_LINE = re.compile(r"^- \*\*dbt unit tests:\*\*(.*)$", re.MULTILINE)


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    slug = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return slug.replace(" ", "-")


def doc_anchors(text: str) -> set[str]:
    ids = set(re.findall(r'<a id="([^"]+)"></a>', text))
    headings = re.findall(r"^#{1,6} (.+)$", text, re.MULTILINE)
    return ids | {github_slug(h) for h in headings}


def dbt_unit_tests() -> set[tuple[str, str]]:
    """(model, unit test name) of every unit_tests: block under dbt_project/models."""
    found = set()
    for path in sorted((REPO / "dbt_project" / "models").rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for unit in content.get("unit_tests") or []:
            found.add((unit["model"], unit["name"]))
    return found


def code_citations() -> set[str]:
    """Every "METHODS.md n" form the code, models and tests use (normalised)."""
    forms = set()
    for tree in CITING_TREES:
        for path in (REPO / tree).rglob("*"):
            if path.suffix not in CITING_SUFFIXES or not path.is_file() or path == Path(__file__).resolve():
                continue
            if any(part in {".venv", "target", "dbt_packages", "logs", "__pycache__"} for part in path.parts):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            forms.update(f"METHODS.md {number}" for number in CITATION.findall(text))
    return forms


def defined_functions(path: Path) -> set[str]:
    return set(re.findall(r"^\s*(?:async\s+)?def (\w+)\(", path.read_text(encoding="utf-8"), re.MULTILINE))


def problems(text: str, citations: set[str], unit_tests: set[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    tokens = re.findall(r"`([^`\n]+)`", text)

    for token in tokens:
        if "::" in token:
            file_part, _, function = token.partition("::")
            path = REPO / file_part
            if not path.is_file():
                found.append(f"test file {file_part} does not exist")
            elif function not in defined_functions(path):
                found.append(f"{file_part} has no function {function}")
        elif token.startswith(PATH_ROOTS) and " " not in token and "<" not in token:
            if not (REPO / token.split("#")[0]).exists():
                found.append(f"path {token} does not exist")

    for line in UNIT_LINE.findall(text):
        named = re.findall(r"`(\w+):(\w+)`", line)
        if not named:
            found.append(f"a dbt unit tests line names none: {line.strip()}")
        for model, name in named:
            if (model, name) not in unit_tests:
                found.append(f"dbt unit test {name} of model {model} does not exist")

    anchors = doc_anchors(text)
    for target in re.findall(r"\]\(#([^)]+)\)", text):
        if target not in anchors:
            found.append(f"link #{target} reaches no anchor")

    headings = list(RULE_HEADING.finditer(text))
    for i, heading in enumerate(headings):
        rule = heading.group(1)
        body = text[heading.end() : headings[i + 1].start() if i + 1 < len(headings) else len(text)]
        if rule.lower() not in anchors:
            found.append(f'{rule} has no <a id="{rule.lower()}"> anchor')
        if "**Standards.**" not in body:
            found.append(f"{rule} names no standard")
        if not re.search(r"`dbt_project/models/[\w/]+\.sql`", body):
            found.append(f"{rule} names no model")
        if not re.search(
            r"`tests/[\w/]+\.py::\w+`|`dbt_project/tests/[\w/]+\.sql`|^- \*\*dbt unit tests:\*\*", body, re.M
        ):
            found.append(f"{rule} names no test")
    missing_rules = REQUIRED_RULES - {h.group(1) for h in headings}
    found.extend(f"rule {rule} is missing" for rule in sorted(missing_rules))

    mapped = set(MAPPED.findall(text))
    if "METHODS.md" not in mapped:
        found.append("the table does not map a bare METHODS.md citation")
    found.extend(f"citation {form} is not in the Cited as table" for form in sorted(citations - mapped))
    return found


@pytest.fixture(scope="module")
def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def units() -> set[tuple[str, str]]:
    return dbt_unit_tests()


@pytest.fixture(scope="module")
def citations() -> set[str]:
    # the old section numbers, and any form a file exempt below still cites
    return OLD_SECTIONS | code_citations()


def citing_files(root: Path):
    """(path relative to root, text) of every text file whose citations a reader must be able to open."""
    paths = [root / name for name in OUTSIDE_FILES if (root / name).is_file()]
    for tree in OUTSIDE_TREES:
        paths.extend(sorted((root / tree).rglob("*")))
    for path in paths:
        if not path.is_file() or any(part in SKIPPED_PARTS for part in path.relative_to(root).parts):
            continue
        if path.suffix not in CITING_SUFFIXES | {".ipynb", ".csv", ".cfg", ".toml"}:
            continue
        yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8", errors="replace")


def outside_citations(root: Path, exempt: set[str] = frozenset()) -> list[str]:
    """Every citation of METHODS.md, PRODUCT.md or SOURCES.md (files not in the repository), as
    'path:line: text', except in this test file and in the "Cited as" table of docs/methods.md."""
    found = []
    for rel, text in citing_files(root):
        if rel in exempt or rel == "tests/test_methods_doc.py":
            continue
        if rel == "docs/methods.md":
            start = text.index("## Cited as")
            end = text.index("\n## ", start + 1)
            text = text[:start] + "\n" * text[start:end].count("\n") + text[end:]
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_nothing_cites_a_specification_file_outside_the_repository():
    assert outside_citations(REPO) == []


def test_a_citation_outside_the_repository_is_found(tmp_path):
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "pipelines" / "a.py").write_text("# the rule (docs/methods.md M-S3-04)\n", encoding="utf-8")
    (tmp_path / "docs" / "methods.md").write_text(
        "# Methods\n\n## Cited as → section\n\n| `METHODS.md 4` | Scope 3 |\n\n## Scope 3\n", encoding="utf-8"
    )
    assert outside_citations(tmp_path) == []  # the rule id, and the mapping table, are fine
    for text, where in (
        ("# Scope 3 (METHODS.md 4)\n", "pipelines/a.py:1"),
        ("x = 1\n# as METHODS 8 says\n", "pipelines/a.py:2"),
        ("'see PRODUCT.md'\n", "pipelines/a.py:1"),
        ("# SOURCES.md columns\n", "pipelines/a.py:1"),
    ):
        (tmp_path / "pipelines" / "a.py").write_text(text, encoding="utf-8")
        found = outside_citations(tmp_path)
        assert len(found) == 1 and found[0].startswith(where + ":"), (text, found)
    (tmp_path / "pipelines" / "a.py").write_text(
        "SCOPE2_METHODS = ('location', 'market')\n", encoding="utf-8"
    )
    assert outside_citations(tmp_path) == []  # a name that ends in METHODS is no citation


def cited_rules_and_sections(root: Path) -> tuple[set[str], set[str]]:
    rules, sections = set(), set()
    for rel, text in citing_files(root):
        if rel == "tests/test_methods_doc.py":
            continue
        for group in RULE_CITATION.findall(text):
            rules.update(re.findall(r"M-[A-Z0-9]+-\d+", group))
        for first, more in SECTION_CITATION.findall(text):
            sections.add(first)
            sections.update(re.findall(r'"([^"\n]+)"', more))
    return rules, sections


def test_every_cited_rule_and_section_exists(doc_text):
    rules, sections = cited_rules_and_sections(REPO)
    defined = set(RULE_HEADING.findall(doc_text))
    headings = set(re.findall(r"^## (.+)$", doc_text, re.MULTILINE))
    assert len(rules) > 30 and sections  # the code cites rules; a misspelt one is caught below
    assert sorted(rules - defined) == []
    assert sorted(sections - headings) == []
    links = {
        a for _rel, text in citing_files(REPO) for a in re.findall(r"methods\.md#(m-[a-z0-9]+-\d+)", text)
    }
    assert links and sorted(links - {rule.lower() for rule in defined}) == []


def test_methods_doc_names_only_what_exists_and_maps_every_citation(doc_text, citations, units):
    assert problems(doc_text, citations, units) == []


def test_a_renamed_model_is_found(doc_text, citations, units):
    text = doc_text.replace("int_fuel_combustion.sql", "int_fuel_burning.sql", 1)
    assert "path dbt_project/models/intermediate/scope1/int_fuel_burning.sql does not exist" in problems(
        text, citations, units
    )


def test_a_missing_test_function_is_found(doc_text, citations, units):
    text = doc_text.replace(
        "test_hand_calculations.py::test_holland_industries_weights",
        "test_hand_calculations.py::test_holland_industries_weighs",
    )
    assert "tests/test_hand_calculations.py has no function test_holland_industries_weighs" in problems(
        text, citations, units
    )


def test_a_missing_unit_test_is_found(doc_text, citations, units):
    text = doc_text.replace(
        "`int_gwp_values:methane_gwp_fossil_and_non_fossil`", "`int_gwp_values:methane_gwp_of_ar7`"
    )
    assert "dbt unit test methane_gwp_of_ar7 of model int_gwp_values does not exist" in problems(
        text, citations, units
    )


def test_an_unmapped_citation_is_found(doc_text, citations, units):
    text = re.sub(r"^\| `METHODS\.md 3` \|.*\n", "", doc_text, flags=re.MULTILINE)
    assert "citation METHODS.md 3 is not in the Cited as table" in problems(text, citations, units)
    assert "citation METHODS.md 9 is not in the Cited as table" in problems(
        doc_text, citations | {"METHODS.md 9"}, units
    )


def test_a_rule_without_a_test_or_anchor_is_found(doc_text, citations, units):
    start = doc_text.index("### M-BASE-04")
    end = doc_text.index("## Intensities")
    section = doc_text[start:end]
    stripped = re.sub(r"^- \*\*pytest:\*\*.*\n", "", section, flags=re.MULTILINE)
    found = problems(doc_text.replace(section, stripped), citations, units)
    assert "M-BASE-04 names no test" in found
    found = problems(doc_text.replace('<a id="m-s2-02"></a>', ""), citations, units)
    assert '{} has no <a id="m-s2-02"> anchor'.format("M-S2-02") in found
    assert "link #m-s2-02 reaches no anchor" in found
