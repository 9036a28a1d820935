"""The landing-zone contract (docs/landing_zone.md) as data.

Every other part of the project reads the contract from here: the extraction
assets (which columns to expect and how to cast them), the dbt sources file
(generated from it, see ``python -m pipelines.lib.contract``), the sample-group
generator and the data quality plan. Changing the contract means changing this
file and regenerating ``dbt_project/models/staging/*/_*__sources.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Contract type -> DuckDB type of the raw column.
RAW_SQL_TYPES = {
    "text": "VARCHAR",
    "decimal": "DOUBLE",
    "integer": "BIGINT",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "period": "VARCHAR",
    "bool": "BOOLEAN",
}

# Lineage columns added to every raw table, in this order.
LINEAGE_COLUMNS = {
    "_load_id": "VARCHAR",
    "_file_path": "VARCHAR",
    "_file_sha256": "VARCHAR",
    "_row_number": "BIGINT",
    "_loaded_at": "TIMESTAMP",
    "_extra_json": "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = True
    doc: str = ""
    unique: bool = False
    # A unit column: its values are run through the unit synonyms on load.
    is_unit: bool = False

    def __post_init__(self) -> None:
        if self.type not in RAW_SQL_TYPES:
            raise ValueError(f"unknown contract type {self.type!r} for column {self.name}")


@dataclass(frozen=True)
class Dataset:
    source: str
    name: str
    doc: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        """``erp/fuel_consumption``: the folder below the landing root."""
        return f"{self.source}/{self.name}"

    @property
    def raw_table(self) -> str:
        """``erp__fuel_consumption``: the table name in the ``raw`` schema."""
        return f"{self.source}__{self.name}"

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name: str, type_: str = "text", *, opt: bool = False, doc: str = "", unique: bool = False) -> Column:
    return Column(name, type_, required=not opt, doc=doc, unique=unique, is_unit=name == "unit")


DATASETS: tuple[Dataset, ...] = (
    # ---------------------------------------------------------------- erp
    Dataset(
        "erp",
        "entities",
        "The organisational boundary tree, one row per entity.",
        (
            _c("entity_id", unique=True),
            _c("entity_name"),
            _c("parent_entity_id", opt=True, doc="empty for the group root"),
            _c(
                "relationship",
                doc="root, subsidiary, joint_venture, associate, fixed_asset_investment, franchise",
            ),
            _c("equity_pct", "decimal", doc="the parent's equity share in this entity, 0-100"),
            _c("financial_control", doc="full, joint or none"),
            _c("operational_control", "bool"),
            _c("valid_from", "date", opt=True, doc="first day in the group (acquisition)"),
            _c("valid_to", "date", opt=True, doc="last day in the group (divestment)"),
        ),
    ),
    Dataset(
        "erp",
        "facilities",
        "Facilities (sites) and their owner entity.",
        (
            _c("facility_id", unique=True),
            _c("entity_id"),
            _c("facility_name"),
            _c("country", doc="ISO 3166-1 alpha-2"),
            _c("province", opt=True),
            _c("opened_on", "date", opt=True),
            _c("closed_on", "date", opt=True),
            _c(
                "ets_installation",
                "bool",
                opt=True,
                doc="an installation covered by an emissions trading scheme (docs/methods.md M-CP-02)",
            ),
        ),
    ),
    Dataset(
        "erp",
        "fuel_consumption",
        "Scope 1 fuel combustion.",
        (
            _c("record_id", opt=True),
            _c("facility_id"),
            _c("period", "period"),
            _c("fuel"),
            _c("quantity", "decimal"),
            _c("unit"),
            _c("use", doc="stationary or mobile"),
            _c("measured_ncv_gj_per_unit", "decimal", opt=True),
            _c("measured_carbon_content_tc_per_gj", "decimal", opt=True),
        ),
    ),
    Dataset(
        "erp",
        "process_activity",
        "Scope 1 process emissions.",
        (
            _c("facility_id"),
            _c("period", "period"),
            _c("process", doc="factor key"),
            _c("quantity", "decimal"),
            _c("unit"),
            _c(
                "purity_fraction",
                "decimal",
                opt=True,
                doc="0-1, default 1: the share of the input that reacts, e.g. CaCO3 in limestone",
            ),
        ),
    ),
    Dataset(
        "erp",
        "refrigerants",
        "Scope 1 fugitive emissions, mass-balance method.",
        (
            _c("facility_id"),
            _c("period", "period"),
            _c("gas"),
            _c("inventory_decrease_kg", "decimal", opt=True),
            _c("purchased_kg", "decimal", opt=True),
            _c("disposed_kg", "decimal", opt=True),
            _c("capacity_increase_kg", "decimal", opt=True),
        ),
    ),
    Dataset(
        "erp",
        "production",
        "Production output per facility and period.",
        (
            _c("facility_id"),
            _c("period", "period"),
            _c("product"),
            _c("quantity", "decimal"),
            _c("unit"),
        ),
    ),
    Dataset(
        "erp",
        "financials",
        "Revenue and output value per entity and period.",
        (
            _c("entity_id"),
            _c("period", "period"),
            _c("revenue", "decimal"),
            _c("output_value", "decimal", opt=True),
            _c("currency"),
        ),
    ),
    Dataset(
        "erp",
        "carbon_allowances",
        "ETS allowances (T/CAS 612 6.7 a).",
        (
            _c("entity_id"),
            _c("scheme"),
            _c("compliance_year", "integer"),
            _c("allocated_t", "decimal"),
            _c("purchased_t", "decimal"),
            _c("sold_t", "decimal"),
            _c("surrendered_t", "decimal"),
            _c("voluntarily_cancelled_t", "decimal"),
        ),
    ),
    Dataset(
        "erp",
        "carbon_credits",
        "Purchased and own credits (T/CAS 612 6.7 b, c).",
        (
            _c("serial", unique=True),
            _c("entity_id"),
            _c("registry", doc="CCER, VCS, GS, CDM, other"),
            _c("project_id"),
            _c("project_type", doc="removal or avoidance"),
            _c("vintage_year", "integer"),
            _c("quantity_t", "decimal"),
            _c("status", doc="held, retired, cancelled"),
            _c("retired_on", "date", opt=True),
            _c("retired_for_year", "integer", opt=True),
            _c("retirement_purpose", opt=True),
            _c("unit_price", "decimal", opt=True),
            _c("currency", opt=True),
        ),
    ),
    Dataset(
        "erp",
        "removals",
        "Own sinks (forestry etc.).",
        (
            _c("entity_id"),
            _c("year", "integer"),
            _c("project"),
            _c("quantity_t", "decimal"),
        ),
    ),
    # ------------------------------------------------------------- energy
    Dataset(
        "energy",
        "meters",
        "Energy meters and their calibration.",
        (
            _c("meter_id", unique=True),
            _c("facility_id"),
            _c("energy_type", doc="electricity, natural_gas, steam, heat, cooling"),
            _c("supply", doc="grid, onsite_renewable, third_party"),
            _c("unit"),
            _c("accuracy_class", opt=True),
            _c("last_calibrated_on", "date", opt=True),
            _c("calibration_interval_months", "integer", opt=True),
        ),
    ),
    Dataset(
        "energy",
        "meter_readings",
        "Monthly or interval (15-minute) consumption readings.",
        (
            _c("meter_id"),
            _c("reading_start", "timestamp"),
            _c("reading_end", "timestamp"),
            _c("quantity", "decimal"),
            _c("unit"),
            _c("is_estimated", "bool", opt=True),
        ),
    ),
    Dataset(
        "energy",
        "energy_invoices",
        "Energy invoices, for reconciliation against meters.",
        (
            _c("facility_id"),
            _c("energy_type"),
            _c("period", "period"),
            _c("quantity", "decimal"),
            _c("unit"),
            _c("amount", "decimal"),
            _c("currency"),
            _c("supplier"),
        ),
    ),
    Dataset(
        "energy",
        "renewable_instruments",
        "Contractual instruments for market-based Scope 2.",
        (
            _c("instrument_id", unique=True),
            _c("instrument_type", doc="green_power_trade, gec, i_rec, ppa, supplier_specific"),
            _c("facility_id", opt=True),
            _c("entity_id", opt=True),
            _c("period", "period"),
            _c("mwh", "decimal"),
            _c("emission_factor_t_per_mwh", "decimal"),
            _c("retired", "bool"),
        ),
    ),
    # -------------------------------------------------------- procurement
    Dataset(
        "procurement",
        "purchases",
        "Purchased goods, services and capital goods.",
        (
            _c("line_id", unique=True),
            _c("entity_id"),
            _c("supplier_id"),
            _c("supplier_name"),
            _c("category_code"),
            _c("description", opt=True),
            _c("invoice_date", "date"),
            _c("spend_amount", "decimal"),
            _c("currency"),
            _c("quantity", "decimal", opt=True),
            _c("unit", opt=True),
            _c("is_capital", "bool", opt=True),
        ),
    ),
    Dataset(
        "procurement",
        "category_map",
        "The group's mapping of its commodity codes.",
        (
            _c("category_code", unique=True),
            _c("scope3_category", "integer"),
            _c("spend_factor_key", opt=True),
            _c("activity_factor_key", opt=True),
        ),
    ),
    Dataset(
        "procurement",
        "supplier_footprints",
        "Supplier-specific product footprints.",
        (
            _c("supplier_id"),
            _c("category_code"),
            _c("kgco2e_per_unit", "decimal"),
            _c("unit"),
            _c("year", "integer"),
            _c("verified", "bool"),
            _c("standard", opt=True),
        ),
    ),
    Dataset(
        "procurement",
        "shipments",
        "Transport and distribution (Scope 3 categories 4 and 9).",
        (
            _c("shipment_id", unique=True),
            _c("entity_id"),
            _c("date", "date"),
            _c("direction", doc="inbound or outbound"),
            _c("paid_by_company", "bool"),
            _c("mode", doc="road, rail, sea, inland_water, air"),
            _c("weight_t", "decimal"),
            _c("distance_km", "decimal"),
        ),
    ),
    Dataset(
        "procurement",
        "business_travel",
        "Business travel (Scope 3 category 6).",
        (
            _c("trip_id", unique=True),
            _c("entity_id"),
            _c("date", "date"),
            _c("mode", doc="air, rail, car, bus, taxi"),
            _c("distance_km", "decimal"),
            _c("travellers", "integer"),
            _c("vehicle_occupancy", "decimal", opt=True),
            _c("cabin_class", opt=True),
        ),
    ),
    Dataset(
        "procurement",
        "employee_commuting",
        "Employee commuting survey (Scope 3 category 7).",
        (
            _c("entity_id"),
            _c("year", "integer"),
            _c("employees", "integer"),
            _c("working_days", "decimal"),
            _c("trips_per_day", "decimal"),
            _c("mode"),
            _c("mode_share_pct", "decimal"),
            _c("one_way_km", "decimal"),
        ),
    ),
    Dataset(
        "procurement",
        "waste",
        "Waste generated in operations (Scope 3 category 5).",
        (
            _c("facility_id"),
            _c("period", "period"),
            _c("waste_type"),
            _c(
                "treatment",
                doc="landfill, incineration, incineration_energy_recovery, recycling, composting, wastewater",
            ),
            _c("quantity", "decimal"),
            _c("unit"),
        ),
    ),
    Dataset(
        "procurement",
        "investments",
        "Investees outside the consolidated boundary (Scope 3 category 15).",
        (
            _c("investee_id"),
            _c("investor_entity_id"),
            _c("year", "integer"),
            _c("equity_pct", "decimal"),
            _c("investee_scope1_t", "decimal"),
            _c("investee_scope2_t", "decimal"),
        ),
    ),
    Dataset(
        "procurement",
        "other_value_chain",
        "Any other Scope 3 category, activity-based.",
        (
            _c("record_id", unique=True),
            _c("entity_id"),
            _c("year", "integer"),
            _c("scope3_category", "integer"),
            _c("factor_key"),
            _c("quantity", "decimal"),
            _c("unit"),
            _c("description", opt=True),
        ),
    ),
    # ---------------------------------------------------------- reference
    Dataset(
        "reference",
        "custom_factors",
        "The group's own emission factors; they win over shipped factors.",
        (
            _c("factor_key"),
            _c("unit"),
            _c("gas"),
            _c("kg_per_unit", "decimal"),
            _c("region", opt=True),
            _c("year_from", "integer", opt=True),
            _c("year_to", "integer", opt=True),
            _c("source"),
        ),
    ),
    Dataset(
        "reference",
        "fx_rates",
        "The group's accounting FX rates.",
        (
            _c("currency"),
            _c("year", "integer"),
            _c("units_per_usd", "decimal"),
        ),
    ),
)

DATASETS_BY_KEY: dict[str, Dataset] = {d.key: d for d in DATASETS}


def dataset(key: str) -> Dataset:
    """The dataset for ``source/name``; a clear error for an unknown key."""
    try:
        return DATASETS_BY_KEY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a dataset of the landing-zone contract") from None


def dbt_sources_yaml(source: str) -> str:
    """The dbt sources file for one source system, generated from the contract."""
    lines = [
        "# Generated from pipelines/lib/contract.py by `python -m pipelines.lib.contract`.",
        "# Do not edit by hand: tests/test_contract.py fails when this file drifts.",
        "version: 2",
        "",
        "sources:",
        f"  - name: {source}",
        "    schema: raw",
        f"    description: Raw tables loaded from the landing zone's {source}/ folder, one per dataset.",
        "    tables:",
    ]
    for d in DATASETS:
        if d.source != source:
            continue
        lines += [
            f"      - name: {d.name}",
            f"        identifier: {d.raw_table}",
            f'        description: "{d.doc} Landing folder {d.key}/."',
            "        meta:",
            "          dagster:",
            f'            asset_key: ["raw", "{d.raw_table}"]',
            "        columns:",
        ]
        for c in d.columns:
            desc = f"{c.type}{'' if c.required else ', optional'}{'; ' + c.doc if c.doc else ''}"
            lines += [f"          - name: {c.name}", f'            description: "{desc}"']
        for name, _ in LINEAGE_COLUMNS.items():
            lines += [f"          - name: {name}", '            description: "lineage"']
    return "\n".join(lines) + "\n"


def main() -> None:
    from pipelines.paths import DBT_PROJECT_DIR

    for source in sorted({d.source for d in DATASETS}):
        path = DBT_PROJECT_DIR / "models" / "staging" / source / f"_{source}__sources.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dbt_sources_yaml(source), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
