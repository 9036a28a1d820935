"""Write seeds/desnz_conversion_factors_<edition>_scope3.csv from the DESNZ flat files.

The UK Government GHG Conversion Factors for Company Reporting (DESNZ/Defra)
are published once a year, each edition for reporting in its year; the flat
files hold ~8,000 rows each (2023: flat file v1.1; 2024: the 2024 flat file),
and Scope 3 needs a few dozen of them. This script is the curated, reviewable
mapping from Carbon Ledger factor keys to DESNZ rows, the same mapping for
every edition: every output row keeps the DESNZ `ID` it was read from, so a
verifier can find it in the official workbook of that edition. The registry
gives each edition the validity of its year (int_factors__desnz).

    python seeds/scripts/extract_desnz.py [--edition 2023|2024] [--source PATH] [--out PATH] [--check]

Without --edition every edition in EDITIONS is written (or checked), each from
../shared/reference/desnz_conversion_factors_<edition>_flat.csv (relative to
the repository root) to seeds/desnz_conversion_factors_<edition>_scope3.csv;
--source and --out need --edition. The output is deterministic (same input,
same bytes); `--check` fails when a committed seed differs from what its
source gives.

Choices (see also docs/decisions.md, "Scope 3"):
- Per-gas rows: DESNZ publishes, for most transport and energy factors, the
  CO2e of each gas ("kg CO2e of CO2/CH4/N2O per unit"). Those rows are carried
  with the GWP DESNZ used for them (AR5: CH4 28, N2O 265, read from DESNZ's own
  "Refrigerant & other" rows), so the registry can turn them back into gas
  masses and CO2e follows the configured GWP set. Factors published as CO2e
  only (waste, well-to-tank) are carried as gas `CO2e`.
- Air: without radiative forcing (DESNZ puts the RF uplift into the CO2
  figure; an inventory of Kyoto gases keeps it out, the GHG Protocol makes it
  optional). Flights are "International, to/from non-UK" (the group's flights
  do not touch the UK), by cabin class plus the average passenger.
- Road freight: HGV (all diesel), all HGVs, average laden. Sea freight:
  container ship, average (the group ships manufactured goods; bulk carriers
  are 4.5 times lower and would understate them). Inland waterway: DESNZ 2023
  has no factor; the group supplies one (`freight:inland_water`).
- Business travel by bus is intercity (coach); commuting by bus is the average
  local bus. Cars: average car, unknown fuel, per vehicle.km; taxis: regular
  taxi per vehicle.km (the occupancy is applied from the trip record).
- Waste: DESNZ treatments map to the contract's: Landfill -> landfill,
  Combustion -> incineration_energy_recovery (DESNZ attributes the combustion
  itself to the energy produced), Closed-loop (else Open-loop) -> recycling,
  Composting -> composting, Anaerobic digestion -> anaerobic_digestion.
  Incineration without energy recovery has no DESNZ factor: such waste stays
  unestimated until the group supplies one. Wastewater: Water treatment per m3
  (`waste:wastewater`, any waste type).
- Well-to-tank of fuels per kWh of net calorific value: applied to the energy
  (GJ) Scope 1 already computed with Chinese NCVs, so the WTT follows the
  fuel's energy, not UK calorific values per tonne (coal differs by 25 %).
- UK electricity (well-to-tank of generation and of T&D losses; T&D losses)
  describes the UK grid: registered for region GB only.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# the editions shipped as seeds; the value column of edition N is "GHG Conversion Factor N"
EDITIONS = (2023, 2024)


def default_source(edition: int) -> Path:
    return REPO.parent / "shared" / "reference" / f"desnz_conversion_factors_{edition}_flat.csv"


def default_out(edition: int) -> Path:
    return REPO / "seeds" / f"desnz_conversion_factors_{edition}_scope3.csv"


def value_column(edition: int) -> str:
    return f"GHG Conversion Factor {edition}"


# DESNZ unit of measure -> the project's unit code (seeds/units.csv)
UNITS = {
    "tonne.km": "t.km",
    "passenger.km": "passenger.km",
    "km": "vehicle.km",  # vehicle kilometres (cars, taxis, motorbikes)
    "tonnes": "t",
    "kWh": "kWh",
    "kWh (Net CV)": "kWh",
    "cubic metres": "m3",
}

GAS_OF_COLUMN = {
    "kg CO2e": "CO2e",
    "kg CO2e of CO2 per unit": "CO2",
    "kg CO2e of CH4 per unit": "CH4",
    "kg CO2e of N2O per unit": "N2O",
}

# The GWPs DESNZ used for its per-gas CO2e, from its own table (the same row IDs,
# and AR5 values CH4 28, N2O 265, in the 2023 and 2024 editions).
GWP_ROW_IDS = {"CO2": "3_200_2000_3_1", "CH4": "3_200_2003_3_1", "N2O": "3_200_2006_3_1"}


@dataclass(frozen=True)
class Pick:
    """One Carbon Ledger factor key read from DESNZ rows matching all given levels."""

    factor_key: str
    level_1: str
    level_2: str
    level_3: str
    level_4: str | None = None  # None = any (must then be unique)
    column_text: str | None = None  # None = any
    uom: str = ""
    region: str = ""  # '' = global
    note: str = ""


def _freight() -> list[Pick]:
    f = "Freighting goods"
    return [
        Pick(
            "freight:road",
            f,
            "HGV (all diesel)",
            "All HGVs",
            "",
            "Average laden",
            "tonne.km",
            note="HGV (all diesel), all HGVs, average laden",
        ),
        Pick("freight:rail", f, "Rail", "Freight train", "", "", "tonne.km", note="freight train"),
        Pick(
            "freight:sea",
            f,
            "Cargo ship",
            "Container ship",
            "Average",
            "",
            "tonne.km",
            note="container ship, average (bulk carrier average is 0.0035 kg CO2e/t.km)",
        ),
        Pick(
            "freight:air",
            f,
            "Freight flights",
            "International, to/from non-UK",
            "",
            "Without RF",
            "tonne.km",
            note="freight flight, international to/from non-UK, without radiative forcing",
        ),
    ]


def _air_travel() -> list[Pick]:
    a, lvl2, lvl3 = "Business travel- air", "Flights", "International, to/from non-UK"
    classes = {
        "travel:air": "Average passenger",
        "travel:air:economy": "Economy class",
        "travel:air:premium_economy": "Premium economy class",
        "travel:air:business": "Business class",
        "travel:air:first": "First class",
    }
    return [
        Pick(
            key,
            a,
            lvl2,
            lvl3,
            cabin,
            "Without RF",
            "passenger.km",
            note=f"flight international to/from non-UK, {cabin.lower()}, without radiative forcing",
        )
        for key, cabin in classes.items()
    ]


def _land_travel() -> list[Pick]:
    land = "Business travel- land"
    car = ("Cars (by size)", "Average car", "", "Unknown", "km")
    taxi = ("Taxis", "Regular taxi", "", "", "km")
    return [
        Pick("travel:rail", land, "Rail", "National rail", "", "", "passenger.km", note="national rail"),
        Pick("travel:bus", land, "Bus", "Coach", "", "", "passenger.km", note="coach (intercity bus)"),
        Pick("travel:car", land, *car, note="average car, unknown fuel, per vehicle.km"),
        Pick("travel:taxi", land, *taxi, note="regular taxi, per vehicle.km"),
        Pick("commute:car", land, *car, note="average car, unknown fuel, per vehicle.km"),
        Pick("commute:taxi", land, *taxi, note="regular taxi, per vehicle.km"),
        Pick("commute:motorbike", land, "Motorbike", "Average", "", "", "km", note="average motorbike"),
        Pick(
            "commute:bus", land, "Bus", "Average local bus", "", "", "passenger.km", note="average local bus"
        ),
        Pick("commute:rail", land, "Rail", "National rail", "", "", "passenger.km", note="national rail"),
        Pick(
            "commute:metro",
            land,
            "Rail",
            "London Underground",
            "",
            "",
            "passenger.km",
            note="underground / metro (London Underground)",
        ),
        Pick(
            "commute:tram",
            land,
            "Rail",
            "Light rail and tram",
            "",
            "",
            "passenger.km",
            note="light rail and tram",
        ),
    ]


# contract waste_type codes -> DESNZ (Level 2, Level 3)
WASTE_TYPES = {
    "general_waste": ("Refuse", "Commercial and industrial waste"),
    "household_waste": ("Refuse", "Household residual waste"),
    "food_waste": ("Refuse", "Organic: food and drink waste"),
    "garden_waste": ("Refuse", "Organic: garden waste"),
    "scrap_metal": ("Metal", "Metal: scrap metal"),
    "scrap_steel": ("Metal", "Metal: scrap metal"),
    "plastic": ("Plastic", "Plastics: average plastics"),
    "waste_plastic": ("Plastic", "Plastics: average plastics"),
    "paper_cardboard": ("Paper", "Paper and board: mixed"),
    "paper": ("Paper", "Paper and board: mixed"),
    "glass": ("Other", "Glass"),
    "textiles": ("Other", "Clothing"),
    "wood": ("Construction", "Wood"),
    "weee": ("Electrical items", "WEEE - mixed"),
    "batteries": ("Electrical items", "Batteries"),
    "construction_waste": ("Construction", "Average construction"),
    "concrete": ("Construction", "Concrete"),
    "aggregates": ("Construction", "Aggregates"),
    "bricks": ("Construction", "Bricks"),
    "soils": ("Construction", "Soils"),
    "tyres": ("Construction", "Tyres"),
    "plasterboard": ("Construction", "Plasterboard"),
    "asphalt": ("Construction", "Asphalt"),
    "insulation": ("Construction", "Insulation"),
}
# contract treatment -> DESNZ Column Text, in order of preference
TREATMENTS = {
    "landfill": ("Landfill",),
    "incineration_energy_recovery": ("Combustion",),
    "recycling": ("Closed-loop", "Open-loop"),
    "composting": ("Composting",),
    "anaerobic_digestion": ("Anaerobic digestion",),
}


def _wtt_fuels() -> list[Pick]:
    w = "WTT- fuels"
    fuels = {
        "natural_gas": ("Gaseous fuels", "Natural gas (100% mineral blend)"),
        "lpg": ("Gaseous fuels", "LPG"),
        "refinery_gas": ("Gaseous fuels", "Other petroleum gas"),
        "diesel": ("Liquid fuels", "Diesel (100% mineral diesel)"),
        "gasoline": ("Liquid fuels", "Petrol (100% mineral petrol)"),
        "kerosene": ("Liquid fuels", "Burning oil"),
        "fuel_oil": ("Liquid fuels", "Fuel oil"),
        "raw_coal": ("Solid fuels", "Coal (industrial)"),
        "bituminous_coal": ("Solid fuels", "Coal (industrial)"),
        "anthracite": ("Solid fuels", "Coal (industrial)"),
        "lignite": ("Solid fuels", "Coal (industrial)"),
    }
    picks = [
        Pick(f"wtt:{fuel}", w, l2, l3, "", "", "kWh (Net CV)", note=f"WTT {l3}, per kWh net CV")
        for fuel, (l2, l3) in fuels.items()
    ]
    picks.append(
        Pick(
            "wtt:biomass_wood",
            "WTT- bioenergy",
            "WTT- biomass",
            "Wood logs",
            "",
            "",
            "kWh",
            note="WTT wood logs, per kWh",
        )
    )
    return picks


def _electricity() -> list[Pick]:
    return [
        Pick(
            "td:electricity",
            "Transmission and distribution",
            "T&D- UK electricity",
            "Electricity: UK",
            "kWh",
            "",
            "kWh",
            region="GB",
            note="UK grid T&D losses (generation of the electricity lost)",
        ),
        # two DESNZ rows under one key: the registry sums them (WTT of all electricity consumed)
        Pick(
            "wtt:electricity",
            "WTT- UK electricity",
            "WTT- UK electricity (generation)",
            "Electricity: UK",
            "kWh",
            "",
            "kWh",
            region="GB",
            note="WTT of UK electricity generation",
        ),
        Pick(
            "wtt:electricity",
            "WTT- UK electricity",
            "WTT- UK electricity (T&D)",
            "Electricity: UK",
            "kWh",
            "",
            "kWh",
            region="GB",
            note="WTT of UK electricity lost in T&D",
        ),
    ]


def _waste(rows: list[dict], value: str) -> list[Pick]:
    picks = []
    for code, (l2, l3) in WASTE_TYPES.items():
        for treatment, columns in TREATMENTS.items():
            for column in columns:
                hit = [
                    r
                    for r in rows
                    if r["Level 1"] == "Waste disposal"
                    and r["Level 2"] == l2
                    and r["Level 3"] == l3
                    and r["Column Text"] == column
                    and r["UOM"] == "tonnes"
                    and r[value].strip()
                ]
                if hit:
                    picks.append(
                        Pick(
                            f"waste:{code}:{treatment}",
                            "Waste disposal",
                            l2,
                            l3,
                            "",
                            column,
                            "tonnes",
                            note=f"{l3}, {column.lower()}",
                        )
                    )
                    break
    picks.append(
        Pick(
            "waste:wastewater",
            "Water treatment",
            "Water treatment",
            "Water treatment",
            "",
            "",
            "cubic metres",
            note="water treatment, per m3 of wastewater",
        )
    )
    return picks


def _matches(r: dict, p: Pick) -> bool:
    return (
        r["Level 1"] == p.level_1
        and r["Level 2"] == p.level_2
        and r["Level 3"].strip() == p.level_3
        and (p.level_4 is None or r["Level 4"] == p.level_4)
        and (p.column_text is None or r["Column Text"] == p.column_text)
        and r["UOM"] == p.uom
    )


HEADER = [
    "factor_key",
    "unit",
    "gas",
    "kg_co2e_per_unit",
    "desnz_gwp",
    "desnz_gwp_id",
    "region",
    "desnz_id",
    "scope",
    "level_1",
    "level_2",
    "level_3",
    "level_4",
    "column_text",
    "desnz_uom",
    "ghg_unit",
    "note",
]


def extract(source: Path, edition: int) -> str:
    value = value_column(edition)
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or value not in rows[0]:
        raise SystemExit(f"{source}: no column {value!r} (is it the DESNZ {edition} flat file?)")
    by_id = {r["ID"]: r for r in rows}
    gwp = {gas: float(by_id[i][value]) for gas, i in GWP_ROW_IDS.items()}
    picks = _freight() + _air_travel() + _land_travel() + _waste(rows, value) + _wtt_fuels() + _electricity()

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    for p in picks:
        hits = [r for r in rows if _matches(r, p) and r[value].strip()]
        per_gas = [r for r in hits if GAS_OF_COLUMN.get(r["GHG/Unit"]) in ("CO2", "CH4", "N2O")]
        total = [r for r in hits if r["GHG/Unit"] == "kg CO2e"]
        chosen = per_gas if per_gas else total
        if not chosen or (not per_gas and len(total) != 1) or len(per_gas) > 3:
            raise SystemExit(f"{p.factor_key}: expected one DESNZ factor, found {len(hits)} rows")
        for r in chosen:
            gas = GAS_OF_COLUMN[r["GHG/Unit"]]
            w.writerow(
                [
                    p.factor_key,
                    UNITS[p.uom],
                    gas,
                    r[value].strip(),
                    f"{gwp.get(gas, 1.0):g}",
                    GWP_ROW_IDS.get(gas, ""),
                    p.region,
                    r["ID"],
                    r["Scope"],
                    r["Level 1"],
                    r["Level 2"],
                    r["Level 3"].strip(),
                    r["Level 4"],
                    r["Column Text"],
                    r["UOM"],
                    r["GHG/Unit"],
                    p.note,
                ]
            )
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edition", type=int, choices=EDITIONS, help="one edition (default: all)")
    ap.add_argument("--source", type=Path, help="the edition's flat file (needs --edition)")
    ap.add_argument("--out", type=Path, help="the seed to write (needs --edition)")
    ap.add_argument("--check", action="store_true", help="fail if a seed differs from what its source gives")
    args = ap.parse_args(argv)
    if (args.source or args.out) and not args.edition:
        ap.error("--source and --out need --edition")
    status = 0
    for edition in [args.edition] if args.edition else EDITIONS:
        source = args.source or default_source(edition)
        out = args.out or default_out(edition)
        text = extract(source, edition)
        if args.check:
            same = out.exists() and out.read_text(encoding="utf-8") == text
            print(f"{out}: {'up to date' if same else 'DIFFERS from ' + str(source)}")
            status = status or (0 if same else 1)
        else:
            out.write_text(text, encoding="utf-8")
            print(f"wrote {out} ({text.count(chr(10)) - 1} rows)")
    return status


if __name__ == "__main__":
    sys.exit(main())
