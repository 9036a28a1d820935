"""The deterministic sample group: 华源制造集团 (Huayuan Manufacturing Group), 2021-2024.

``generate(out_dir, scale, seed)`` writes a complete landing folder — every
dataset of the landing-zone contract (``pipelines.lib.contract.DATASETS``) —
for a fictional Chinese manufacturing group, and returns the rows written per
dataset. The same scale and seed give byte-identical files.

Scales: ``S`` (bundled sample, a few MB), ``M`` (benchmarks: ~10 million
15-minute readings over 285 meters, ~1 million purchase lines as Parquet),
``L`` (~3x M). Only the interval meters, their sites and invoices, and the
purchases grow with the scale; every other file is identical across scales.

The data is clean except for the five deliberate defects in ``KNOWN_DEFECTS``,
planted for the data quality plan to find. See README.md in this folder for
the group, its boundary and what each dataset holds.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipelines.generate import energy, erp, procurement
from pipelines.generate.landing import Landing
from pipelines.generate.procurement import FX_RATES, PurchaseScale
from pipelines.generate.writers import fmt
from pipelines.lib.contract import DATASETS

__all__ = ["KNOWN_DEFECTS", "SCALES", "generate"]


@dataclass(frozen=True)
class Scale:
    extra_interval_meters: int  # new 2024 sites with a 15-minute meter, on top of the 2 of the base group
    purchases: PurchaseScale
    purchases_as_parquet: bool


SCALES: dict[str, Scale] = {
    "S": Scale(0, PurchaseScale(1_500, 3), False),
    "M": Scale(
        283, PurchaseScale(250_000, 100), True
    ),  # 285 x 35,136 = 10.0 M readings; 1.0 M purchase lines
    "L": Scale(
        2_844, PurchaseScale(750_000, 150), True
    ),  # 2,846 x 35,136 = 100.0 M readings; 3.0 M purchase lines
}

# The deliberate data defects. Their positions depend only on the group's
# structure, never on the seed or the scale; generate() checks it planted
# exactly these. "row" is the 1-based data row in "file" (header excluded),
# None for a record that is missing.
KNOWN_DEFECTS: list[dict] = [
    {
        "id": "D1",
        "dataset": "erp/fuel_consumption",
        "file": "erp/fuel_consumption/S110_2023.csv",
        "row": None,
        "field": "period",
        "kind": "missing_period",
        "description": "Facility F04 (苏州精密铸造厂, entity S110) has no fuel records for 2023-08 "
        "(neither bituminous_coal nor natural_gas): a one-month gap in an otherwise complete "
        "2021-01..2024-12 monthly series.",
    },
    {
        "id": "D2",
        "dataset": "energy/meters",
        "file": "energy/meters/meters.csv",
        "row": 5,
        "field": "last_calibrated_on",
        "kind": "calibration_overdue",
        "description": "Meter EM-F05 (grid electricity, F05) was last calibrated 2022-05-16 on a 24-month "
        "interval, so calibration was due 2024-05-16: its readings from 2024-05 "
        "(partly) and 2024-06..2024-12 are taken with an overdue meter.",
    },
    {
        "id": "D3",
        "dataset": "energy/energy_invoices",
        "file": "energy/energy_invoices/electricity_2023.csv",
        "row": 1,
        "field": None,
        "kind": "duplicate_row",
        "description": "The F02 electricity invoice for period 2022-12 appears verbatim twice: in "
        "electricity_2022.csv (its own row) and again as row 1 of electricity_2023.csv "
        "(re-exported with the next year's batch). Count it once.",
    },
    {
        "id": "D4",
        "dataset": "erp/fuel_consumption",
        "file": "erp/fuel_consumption/S100_2022.csv",
        "row": 61,
        "field": "quantity",
        "kind": "outlier_spike",
        "description": "Facility F02 natural_gas (stationary) for 2022-07 is 5x the facility's normal "
        "July quantity (about 45 instead of about 9 10^4 Nm3; its other months are 9-15): a keying error.",
    },
    {
        "id": "D5",
        "dataset": "energy/meter_readings",
        "file": "energy/meter_readings/monthly_2023.csv",
        "row": 119,
        "field": "quantity",
        "kind": "negative_value",
        "description": "Meter EM-F11 reading 2023-04-01T00:00:00 -> 2023-05-01T00:00:00 has a negative "
        "quantity (sign flipped); the F11 invoice for 2023-04 has the positive amount.",
    },
]


# ------------------------------------------------------------------ reference
_CUSTOM_FACTORS = (
    # factor_key, unit, gas, kg_per_unit, region, year_from, year_to, source
    (
        "limestone_calcination",
        "t",
        "CO2",
        439.71,
        None,
        None,
        None,
        "IPCC 2006 Guidelines Vol. 3 Ch. 2 Table 2.1: calcination of CaCO3 (limestone), 0.43971 tCO2 per t",
    ),
    (
        "naics:331110",
        "USD",
        "CO2e",
        2.10,
        None,
        2021,
        2024,
        "Huayuan group supplier study 2023 (fictional sample value): Chinese iron and steel mills, kg CO2e per "
        "2022 USD; the group's override of US EPA Supply Chain GHG Emission Factors v1.3 (0.787 with margins)",
    ),
    (
        "steel_hot_rolled_coil",
        "t",
        "CO2e",
        2150.0,
        None,
        2021,
        2022,
        "Illustrative sample value (fictional): BF-BOF hot-rolled coil, cradle-to-gate",
    ),
    (
        "steel_hot_rolled_coil",
        "t",
        "CO2e",
        2050.0,
        None,
        2023,
        2024,
        "Illustrative sample value (fictional): BF-BOF hot-rolled coil, cradle-to-gate, updated supplier mix",
    ),
    (
        "aluminium_ingot_primary",
        "t",
        "CO2e",
        16500.0,
        None,
        None,
        None,
        "Illustrative sample value (fictional): coal-power-based primary aluminium ingot, cradle-to-gate",
    ),
    (
        "polypropylene_resin",
        "t",
        "CO2e",
        1800.0,
        None,
        None,
        None,
        "Illustrative sample value (fictional): polypropylene resin, cradle-to-gate",
    ),
    (
        "eol_steel_structure",
        "t",
        "CO2e",
        35.0,
        None,
        None,
        None,
        "Illustrative sample value (fictional): dismantling and transport to recycling, 95 % recycled",
    ),
    (
        "eol_engineering_plastic",
        "t",
        "CO2e",
        1450.0,
        None,
        None,
        None,
        "Illustrative sample value (fictional): 60 % incineration, 40 % landfill of engineering plastics",
    ),
    (
        "use_electric_motor_0_75kw_lifetime",
        "pcs",
        "CO2e",
        8250.0,
        None,
        None,
        None,
        "Group product LCA assumption (fictional): 0.75 kW x 2,000 h/yr x 10 yr x 0.55 kgCO2/kWh",
    ),
    (
        "bicycle",
        "passenger.km",
        "CO2e",
        0.0,
        None,
        None,
        None,
        "Zero-emission commuting mode (bicycle / walking): no fuel or electricity",
    ),
)


def _write_reference(land: Landing) -> None:
    rows = [
        (k, u, g, fmt(v, 4).rstrip("0").rstrip("."), r, yf, yt, src)
        for k, u, g, v, r, yf, yt, src in _CUSTOM_FACTORS
    ]
    land.csv("reference/custom_factors", "custom_factors.csv", rows)
    fx = [
        (ccy, y, fmt(rate, 4)) for ccy in ("CNY", "EUR", "USD") for y, rate in sorted(FX_RATES[ccy].items())
    ]
    land.csv("reference/fx_rates", "fx_rates.csv", fx)


# ------------------------------------------------------------------ the generator
def generate(
    out_dir: Path, scale: str = "S", seed: int = 2024, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Write the sample group's landing folder into ``out_dir``; return rows written per dataset.

    Batch files (``*.csv``, ``*.xlsx``, ``*.parquet``) and ``_mapping.yml`` left
    in the contract's dataset folders by an earlier run are removed first, so a
    smaller scale never inherits a bigger one's files. Nothing else is touched.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: choose one of {', '.join(SCALES)}")
    sc = SCALES[scale]
    land = Landing(Path(out_dir), seed, progress)
    land.root.mkdir(parents=True, exist_ok=True)
    land.clean()

    land.say(f"Generating the sample group (scale {scale}, seed {seed}) into {land.root}")
    sites = energy.extra_sites(land, sc.extra_interval_meters)
    erp.write_entities(land)
    erp.write_facilities(land, [s.facility for s in sites])
    fuel = erp.fuel_series(land)
    erp.write_fuel(land, fuel)
    process = erp.process_series(land)
    erp.write_process(land, process)
    production = erp.production_series(land)
    erp.write_production(land, production)
    erp.write_refrigerants(land)
    erp.write_financials(land)
    erp.write_allowances(land, fuel, process)
    erp.write_credits(land)
    erp.write_removals(land)
    land.say("  erp/: done")

    energy.write_meters(land, sites)
    energy_data = energy.write_readings(land, fuel, sites)
    energy.write_invoices(land, energy_data, sites)
    energy.write_instruments(land)
    land.say("  energy/: done")

    procurement.write_purchases(land, sc.purchases, sc.purchases_as_parquet)
    procurement.write_category_map(land)
    procurement.write_supplier_footprints(land)
    procurement.write_shipments(land)
    procurement.write_business_travel(land)
    procurement.write_commuting(land)
    procurement.write_waste(land, production)
    procurement.write_investments(land, fuel, energy_data)
    procurement.write_other_value_chain(land, production)
    land.say("  procurement/: done")

    _write_reference(land)

    missing = [d.key for d in DATASETS if not land.rows.get(d.key)]
    if missing:
        raise AssertionError(f"the generator wrote no rows for {missing}")
    planted = sorted((d["file"], d["row"] or 0) for d in land.defects)
    declared = sorted((d["file"], d["row"] or 0) for d in KNOWN_DEFECTS)
    if planted != declared:
        raise AssertionError(f"planted defects {planted} differ from KNOWN_DEFECTS {declared}")
    counts = {d.key: land.rows[d.key] for d in DATASETS}
    land.say(f"Wrote {len(land.files)} files, {sum(counts.values()):,} rows")
    return counts


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write the deterministic sample group into a landing folder.")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--scale", choices=list(SCALES), default="S")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args(argv)
    counts = generate(args.out, args.scale, args.seed, progress=print)
    for key, n in counts.items():
        print(f"{key:36s} {n:>12,}")


if __name__ == "__main__":
    main()
