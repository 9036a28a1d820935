"""The procurement/ datasets of the sample group (Scope 3).

Purchases are drawn in columnar batches (numpy + polars), one batch per year,
so scale M (~1 million lines) and L (~3 million) cost seconds; the other
datasets are small at every scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.generate import group_catalog as gc
from pipelines.generate.energy import EnergyData, annual_grid_mwh
from pipelines.generate.erp import FuelSeries, fuel_co2_t
from pipelines.generate.landing import Landing
from pipelines.generate.timeline import entity_date_range, entity_years, facility_months, period
from pipelines.generate.writers import fmt
from pipelines.lib.contract import DATASETS_BY_KEY

# The group's accounting FX rates (annual averages, units per USD).
FX_RATES = {
    "USD": {2021: 1.0, 2022: 1.0, 2023: 1.0, 2024: 1.0},
    "CNY": {2021: 6.4515, 2022: 6.7261, 2023: 7.0467, 2024: 7.1217},
    "EUR": {2021: 0.8455, 2022: 0.9496, 2023: 0.9248, 2024: 0.9243},
}


@dataclass(frozen=True)
class Category:
    code: str
    scope3: int
    naics: str
    activity_key: str | None
    description: str
    sector_zh: str  # for generated supplier names
    median_cny: float  # median invoice line at scale S
    price_cny_per_t: float | None  # physical quantity (t) is recorded when set
    foreign_share: float = 0.0
    foreign_ccy: str = "USD"


CATEGORIES: tuple[Category, ...] = (
    Category(
        "RM-STL-HRC",
        1,
        "331110",
        "steel_hot_rolled_coil",
        "热轧卷板 hot-rolled steel coil",
        "钢铁",
        1_800_000,
        4_300,
    ),
    Category(
        "RM-STL-SEC",
        1,
        "331110",
        "steel_hot_rolled_coil",
        "H型钢 structural steel sections",
        "型钢",
        1_400_000,
        4_600,
    ),
    Category(
        "RM-ALU",
        1,
        "331313",
        "aluminium_ingot_primary",
        "铝锭 primary aluminium ingot",
        "铝业",
        700_000,
        19_000,
    ),
    Category(
        "RM-RES-PP",
        1,
        "325211",
        "polypropylene_resin",
        "聚丙烯树脂 polypropylene resin",
        "化工",
        600_000,
        8_200,
        0.10,
    ),
    Category(
        "RM-PAINT", 1, "325510", None, "工业涂料 industrial coatings and pigments", "涂料", 150_000, None
    ),
    Category("RM-LIME", 1, "212312", None, "石灰石 limestone (bought-in)", "矿业", 120_000, 65),
    Category("CP-FAST", 1, "332722", None, "紧固件 bolts, nuts and fasteners", "紧固件", 80_000, None),
    Category("CP-MACH", 1, "332710", None, "外协机加工 outsourced machining", "机械", 120_000, None),
    Category("CP-ELEC", 1, "335999", None, "电气元件 electrical components", "电气", 150_000, None, 0.15),
    Category("PK-BOX", 1, "322211", None, "包装纸箱 corrugated packaging", "包装", 40_000, None),
    Category("MRO-LUB", 1, "324191", None, "润滑油 lubricants and greases", "石化", 30_000, None),
    Category(
        "SV-IT", 1, "541511", None, "软件开发服务 software development services", "软件", 200_000, None, 0.10
    ),
    Category("SV-CONS", 1, "541611", None, "管理咨询 management consulting", "咨询", 250_000, None, 0.20),
    Category("SV-CLEAN", 1, "561720", None, "保洁服务 cleaning services", "物业", 25_000, None),
    Category(
        "CX-MACH", 2, "333249", None, "生产设备 production machinery", "装备", 2_500_000, None, 0.35, "EUR"
    ),
    Category("CX-CONV", 2, "333922", None, "输送设备 conveyors", "输送", 900_000, None),
    Category(
        "CX-BLDG", 2, "236210", None, "厂房建设 industrial building construction", "建设", 6_000_000, None
    ),
    Category("CX-IT", 2, "334111", None, "服务器与电脑 servers and computers", "信息", 300_000, None, 0.20),
    Category("CX-TRUCK", 2, "336120", None, "重型卡车 heavy trucks", "汽车", 800_000, None),
    # S300's motors are 0.75 kW (about 10 kg each: ~7 kg of electrical steel laminations, ~3 kg of die-cast
    # aluminium, copper windings bought as electrical components): its metal is priced as steel per t.
    Category(
        "RM-STL-ELEC",
        1,
        "331110",
        "steel_hot_rolled_coil",
        "硅钢片 electrical steel laminations",
        "电工钢",
        150_000,
        7_500,
    ),
)
_CAT_INDEX = {c.code: i for i, c in enumerate(CATEGORIES)}

# Buying entities: share of invoice lines, and what each buys (relative weights).
BUYERS: dict[str, tuple[float, dict[str, float]]] = {
    "G001": (3, {"SV-IT": 3, "SV-CONS": 3, "SV-CLEAN": 2, "CX-IT": 1}),
    "S100": (
        30,
        {
            "RM-STL-HRC": 10,
            "RM-STL-SEC": 8,
            "CP-FAST": 4,
            "CP-MACH": 3,
            "PK-BOX": 1,
            "MRO-LUB": 2,
            "SV-CLEAN": 1,
            "CX-MACH": 0.6,
            "CX-BLDG": 0.15,
            "CX-IT": 0.4,
        },
    ),
    "S110": (10, {"RM-STL-HRC": 4, "CP-MACH": 4, "MRO-LUB": 2, "PK-BOX": 1, "CX-MACH": 0.5}),
    "S200": (
        20,
        {
            "RM-RES-PP": 10,
            "RM-PAINT": 2,
            "PK-BOX": 3,
            "MRO-LUB": 1,
            "SV-IT": 1,
            "CX-MACH": 0.5,
            "CX-CONV": 0.3,
        },
    ),
    "J210": (6, {"RM-PAINT": 3, "RM-RES-PP": 2, "PK-BOX": 2, "MRO-LUB": 1}),
    "S220": (2, {"SV-IT": 2, "SV-CONS": 1, "CX-IT": 1}),
    # about 42,000 motors of 0.75 kW a year: ~300 t of electrical steel (12 lines of ~25 t) and ~120 t of
    # aluminium (2-3 lines), i.e. ~10 kg of metal a motor, consistent with its use-phase assumption
    # (procurement/other_value_chain, category 11)
    "S300": (
        15,
        {"RM-STL-ELEC": 0.6, "RM-ALU": 0.12, "CP-ELEC": 6, "CP-FAST": 2, "PK-BOX": 2, "CX-MACH": 0.5},
    ),
    "S400": (4, {"MRO-LUB": 3, "CX-TRUCK": 0.5, "SV-CLEAN": 1}),
    "S500": (8, {"RM-LIME": 2, "MRO-LUB": 2, "CX-CONV": 0.5, "CX-MACH": 0.5, "SV-CLEAN": 1}),
}

_CITIES = (
    "江苏",
    "上海",
    "浙江",
    "广东",
    "山东",
    "安徽",
    "天津",
    "湖北",
    "福建",
    "河北",
    "常州",
    "苏州",
    "宁波",
    "佛山",
    "东莞",
    "无锡",
    "南通",
    "合肥",
    "青岛",
    "厦门",
)
_BRANDS = (
    "华",
    "恒",
    "鑫",
    "瑞",
    "宏",
    "盛",
    "泰",
    "隆",
    "达",
    "丰",
    "汇",
    "通",
    "源",
    "德",
    "昌",
    "兴",
    "安",
    "嘉",
    "永",
    "金",
)
_BRANDS2 = ("远", "创", "科", "成", "信", "立", "诚", "新", "海", "正")
# The first domestic supplier of some categories has a name of its own (and, for two, a product footprint).
_NAMED = {
    "RM-STL-HRC": "江苏华钢特钢有限公司",
    "RM-ALU": "云南绿源铝业有限公司",
    "RM-RES-PP": "茂名石化聚烯烃有限公司",
}
_FOREIGN = {
    "USD": (
        "Pacific Polymer Trading Pte. Ltd.",
        "Lakeview Software Inc.",
        "Summit Advisory Group LLC",
        "Orion Electric Components Ltd.",
    ),
    "EUR": ("Nordwerk Maschinenbau GmbH", "Rheintal Anlagenbau AG", "Vasterby Industriteknik AB"),
}
FOREIGN_SUPPLIERS_PER_CATEGORY = 2
FOOTPRINT_SUPPLIERS = {  # (category, first supplier) -> (kgCO2e per t, unit, years, verified, standard)
    "RM-STL-HRC": (1_980.0, "t", (2023, 2024), True, "ISO 14067"),
    "RM-ALU": (4_150.0, "t", (2024,), False, "PACT"),
}


def supplier_id(cat_index: int, k: int) -> str:
    """Domestic suppliers are k = 1..; foreign ones k = 9001.."""
    return f"V{cat_index + 1:02d}{k:04d}"


def _domestic_name(cat: Category, k: int) -> str:
    if k == 1 and cat.code in _NAMED:
        return _NAMED[cat.code]
    j = k - 1
    name = f"{_CITIES[j % 20]}{_BRANDS[(j // 20) % 20]}{_BRANDS2[(j // 400) % 10]}{cat.sector_zh}有限公司"
    return name if j < 4000 else f"{name}（{j // 4000}）"


def _foreign_name(cat_index: int, cat: Category, k: int) -> str:
    names = _FOREIGN[cat.foreign_ccy]
    return names[(cat_index + k) % len(names)]


@dataclass(frozen=True)
class PurchaseScale:
    lines_per_year: int
    domestic_suppliers_per_category: int


def purchases_frame(land: Landing, year: int, ps: PurchaseScale) -> pl.DataFrame:
    rng = land.rng(f"procurement/purchases/{year}")
    n = ps.lines_per_year
    amount_scale = 1_500 / n  # the group's total spend does not depend on the scale
    buyers = [e for e in BUYERS if year in entity_years(e)]
    w = np.array([BUYERS[e][0] for e in buyers], dtype=float)
    ent = rng.choice(len(buyers), size=n, p=w / w.sum())
    cat = np.empty(n, dtype=np.int64)
    for i, e in enumerate(buyers):
        mask = ent == i
        codes = list(BUYERS[e][1])
        cw = np.array([BUYERS[e][1][c] for c in codes])
        cat[mask] = np.array([_CAT_INDEX[c] for c in codes])[
            rng.choice(len(codes), size=int(mask.sum()), p=cw / cw.sum())
        ]

    median = np.array([c.median_cny for c in CATEGORIES])[cat]
    amount_cny = median * rng.lognormal(0.0, 0.8, size=n) * amount_scale
    foreign = rng.random(n) < np.array([c.foreign_share for c in CATEGORIES])[cat]
    # Skewed towards the first suppliers, as real spend is.
    k_dom = 1 + np.floor(ps.domestic_suppliers_per_category * rng.random(n) ** 2.5).astype(np.int64)
    k_for = 9001 + rng.integers(0, FOREIGN_SUPPLIERS_PER_CATEGORY, size=n)
    k = np.where(foreign, k_for, k_dom)

    starts = np.array([entity_date_range(e, year)[0].toordinal() for e in buyers])[ent]
    spans = np.array(
        [(entity_date_range(e, year)[1] - entity_date_range(e, year)[0]).days + 1 for e in buyers]
    )[ent]
    day = starts + np.floor(rng.random(n) * spans).astype(np.int64)

    ccy_of_cat = np.array([c.foreign_ccy for c in CATEGORIES], dtype=object)[cat]
    currency = np.where(foreign, ccy_of_cat, "CNY").astype(object)
    usd = amount_cny / FX_RATES["CNY"][year]
    rate = np.where(
        currency == "EUR", FX_RATES["EUR"][year], np.where(currency == "USD", 1.0, FX_RATES["CNY"][year])
    )
    spend = np.round(usd * rate, 2)

    price = np.array([np.nan if c.price_cny_per_t is None else c.price_cny_per_t for c in CATEGORIES])[cat]
    qty = np.round(amount_cny / price * rng.lognormal(0.0, 0.03, size=n), 3)  # NaN where no physical unit

    names = np.empty(n, dtype=object)
    for ci, c in enumerate(CATEGORIES):
        mask = cat == ci
        if not mask.any():
            continue
        ks = k[mask]
        uniq, inv = np.unique(ks, return_inverse=True)
        table = np.array(
            [_foreign_name(ci, c, int(u)) if u >= 9001 else _domestic_name(c, int(u)) for u in uniq],
            dtype=object,
        )
        names[mask] = table[inv]

    epoch = date(1970, 1, 1).toordinal()
    df = pl.DataFrame(
        {
            "_order": np.arange(n),
            "entity_id": np.array(buyers, dtype=object)[ent].astype(str),
            "_cat": cat,
            "_k": k,
            "supplier_name": names.astype(str),
            "invoice_date": (day - epoch).astype("datetime64[D]"),
            "spend_amount": spend,
            "currency": currency.astype(str),
            "quantity": qty,
        }
    )
    codes = pl.Series([c.code for c in CATEGORIES])
    descs = pl.Series([c.description for c in CATEGORIES])
    capital = pl.Series([c.scope3 == 2 for c in CATEGORIES])
    df = (
        df.sort(["invoice_date", "entity_id", "_order"])
        .with_columns(
            line_id=pl.format(
                "PL{}-{}", pl.lit(str(year)), (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(7)
            ),
            supplier_id=pl.format(
                "V{}{}",
                (pl.col("_cat") + 1).cast(pl.String).str.zfill(2),
                pl.col("_k").cast(pl.String).str.zfill(4),
            ),
            category_code=pl.col("_cat").map_batches(lambda s: codes.gather(s), return_dtype=pl.String),
            description=pl.col("_cat").map_batches(lambda s: descs.gather(s), return_dtype=pl.String),
            quantity=pl.col("quantity").fill_nan(None),
            is_capital=pl.col("_cat").map_batches(lambda s: capital.gather(s), return_dtype=pl.Boolean),
        )
        .with_columns(
            unit=pl.when(pl.col("quantity").is_not_null())
            .then(pl.lit("t"))
            .otherwise(pl.lit(None, pl.String))
        )
    )
    return df.select(DATASETS_BY_KEY["procurement/purchases"].column_names)


def write_purchases(land: Landing, ps: PurchaseScale, as_parquet: bool) -> None:
    key = "procurement/purchases"
    for year in (2021, 2022, 2023, 2024):
        df = purchases_frame(land, year, ps)
        if as_parquet:
            table = df.to_arrow()
            table = table.cast(
                pa.schema(
                    [
                        pa.field(
                            f.name,
                            pa.string()
                            if pa.types.is_string(f.type)
                            or pa.types.is_large_string(f.type)
                            or pa.types.is_string_view(f.type)
                            else f.type,
                        )
                        for f in table.schema
                    ]
                )
            )
            land.parquet(key, f"purchases_{year}.parquet", table)
        else:
            path = land.folder(key) / f"purchases_{year}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            df.write_csv(path, line_terminator="\n", float_scientific=False, date_format="%Y-%m-%d")
            land._done(key, path, df.height)
        land.say(f"  {key}: {year} ({df.height:,} lines)")


def write_category_map(land: Landing) -> None:
    rows = [(c.code, c.scope3, f"naics:{c.naics}", c.activity_key) for c in CATEGORIES]
    land.csv("procurement/category_map", "category_map.csv", rows)


def write_supplier_footprints(land: Landing) -> None:
    rows = []
    for code, (kg, unit, years, verified, standard) in FOOTPRINT_SUPPLIERS.items():
        for y in years:
            rows.append((supplier_id(_CAT_INDEX[code], 1), code, fmt(kg, 1), unit, y, verified, standard))
    land.csv("procurement/supplier_footprints", "supplier_footprints.csv", rows)


# ------------------------------------------------------------------ transport, travel, commuting
_SHIPPERS = {"S100": 30, "S110": 10, "S200": 20, "J210": 6, "S300": 15, "S400": 5, "S500": 14}
_MODES = ("road", "rail", "sea")


def _dates(rng: np.random.Generator, entities: list[str], ent: np.ndarray, year: int) -> list[str]:
    ranges = [entity_date_range(e, year) for e in entities]
    starts = np.array([r[0].toordinal() for r in ranges])[ent]
    spans = np.array([(r[1] - r[0]).days + 1 for r in ranges])[ent]
    days = starts + np.floor(rng.random(len(ent)) * spans).astype(np.int64)
    return [date.fromordinal(int(d)).isoformat() for d in days]


def write_shipments(land: Landing) -> None:
    for year in (2021, 2022, 2023, 2024):
        rng = land.rng(f"procurement/shipments/{year}")
        ents = [e for e in _SHIPPERS if year in entity_years(e)]
        w = np.array([_SHIPPERS[e] for e in ents], dtype=float)
        n = 220
        ent = rng.choice(len(ents), size=n, p=w / w.sum())
        outbound = rng.random(n) < 0.5
        paid = np.where(outbound, rng.random(n) < 0.7, rng.random(n) < 0.3)
        mode = np.where(
            outbound, rng.choice(3, size=n, p=[0.65, 0.2, 0.15]), rng.choice(3, size=n, p=[0.75, 0.25, 0.0])
        )
        weight = np.choose(
            mode,
            [
                rng.lognormal(np.log(25), 0.4, n),
                rng.lognormal(np.log(600), 0.5, n),
                rng.lognormal(np.log(1800), 0.5, n),
            ],
        )
        dist = np.choose(
            mode, [rng.uniform(40, 1200, n), rng.uniform(400, 2500, n), rng.uniform(1500, 12000, n)]
        )
        dates = _dates(rng, ents, ent, year)
        order = sorted(range(n), key=lambda i: (dates[i], i))
        rows = [
            (
                f"SH{year}-{j + 1:05d}",
                ents[ent[i]],
                dates[i],
                "outbound" if outbound[i] else "inbound",
                bool(paid[i]),
                _MODES[mode[i]],
                fmt(weight[i], 2),
                fmt(dist[i], 0),
            )
            for j, i in enumerate(order)
        ]
        land.csv("procurement/shipments", f"shipments_{year}.csv", rows)


_TRAVELLERS = {
    "G001": 25,
    "S100": 20,
    "S110": 8,
    "S200": 18,
    "J210": 4,
    "S220": 6,
    "S300": 12,
    "S400": 3,
    "S500": 4,
}


def write_business_travel(land: Landing) -> None:
    for year in (2021, 2022, 2023, 2024):
        rng = land.rng(f"procurement/business_travel/{year}")
        ents = [e for e in _TRAVELLERS if year in entity_years(e)]
        w = np.array([_TRAVELLERS[e] for e in ents], dtype=float)
        n = 300 if year != 2022 else 180  # 2022: travel restrictions
        ent = rng.choice(len(ents), size=n, p=w / w.sum())
        mode = rng.choice(4, size=n, p=[0.30, 0.35, 0.20, 0.15])  # air, rail, car, taxi
        intl = rng.random(n) < 0.04
        dist = np.choose(
            mode,
            [
                np.where(intl, rng.uniform(8000, 9600, n), rng.uniform(700, 2600, n)),
                rng.uniform(150, 1300, n),
                rng.uniform(30, 400, n),
                rng.uniform(5, 45, n),
            ],
        )
        travellers = 1 + rng.binomial(2, 0.25, size=n)
        occupancy = np.maximum(travellers, 1 + rng.binomial(2, 0.3, size=n))
        business = (rng.random(n) < 0.15) | intl
        dates = _dates(rng, ents, ent, year)
        order = sorted(range(n), key=lambda i: (dates[i], i))
        rows = []
        for j, i in enumerate(order):
            md = ("air", "rail", "car", "taxi")[mode[i]]
            rows.append(
                (
                    f"BT{year}-{j + 1:05d}",
                    ents[ent[i]],
                    dates[i],
                    md,
                    fmt(dist[i], 0),
                    int(travellers[i]),
                    fmt(occupancy[i], 0) if md in ("car", "taxi") else None,
                    ("business" if business[i] else "economy") if md == "air" else None,
                )
            )
        land.csv("procurement/business_travel", f"business_travel_{year}.csv", rows)


_COMMUTE_KM = {"car": 16.0, "bus": 9.5, "rail": 18.0, "bicycle": 3.5}


def write_commuting(land: Landing) -> None:
    rng = land.rng("procurement/employee_commuting")
    rows = []
    for e in gc.ENTITIES:
        if e.employees == 0:
            continue
        for year in entity_years(e.entity_id):
            car = int(rng.integers(22, 40))
            rail = (
                int(rng.integers(5, 20))
                if e.entity_id in ("G001", "S110", "S200", "S220")
                else int(rng.integers(0, 6))
            )
            bus = int(rng.integers(20, 35))
            shares = {"car": car, "bus": bus, "rail": rail, "bicycle": 100 - car - bus - rail}
            employees = round(e.employees * (1.02 ** (year - 2021)))
            for mode, share in shares.items():
                km = _COMMUTE_KM[mode] * (1 + rng.normal(0, 0.05))
                rows.append((e.entity_id, year, employees, "250", "2", mode, fmt(share, 0), fmt(km, 1)))
    land.csv("procurement/employee_commuting", "employee_commuting.csv", rows)


# ------------------------------------------------------------------ waste
_WASTE = {  # product family -> (waste_type, treatment, t per t of product or per month)
    "steel": (
        ("scrap_steel", "recycling", 0.06),
        ("general_waste", "landfill", 0.004),
        ("hazardous_waste", "incineration", 0.0008),
    ),
    "plastic": (
        ("waste_plastic", "recycling", 0.015),
        ("general_waste", "incineration_energy_recovery", 0.006),
        ("hazardous_waste", "incineration", 0.002),
    ),
    "other": (("general_waste", "landfill", 0.003), ("paper_cardboard", "recycling", 0.002)),
}
_FAMILY = {
    "steel_structure": "steel",
    "iron_casting": "steel",
    "machined_part": "other",
    "engineering_plastic": "plastic",
    "modified_plastic": "plastic",
    "industrial_coating": "plastic",
    "electric_motor": "other",
    "aluminium_sheet": "steel",
    "pv_module": "other",
    "quicklime": "other",
    "limestone_aggregate": "other",
}


def write_waste(land: Landing, production: dict[tuple[str, int, int], float]) -> None:
    rng = land.rng("procurement/waste")
    for year in (2021, 2022, 2023, 2024):
        rows = []
        for f in gc.FACILITIES:
            months = [(y, m) for y, m in facility_months(f) if y == year]
            if not months:
                continue
            if f.facility_id in gc.PRODUCTION:
                product, unit, _ = gc.PRODUCTION[f.facility_id]
                out = sum(production[(f.facility_id, y, m)] for y, m in months)
                tonnes = out if unit == "t" else out * 0.02  # pieces: ~20 kg each
                lines = _WASTE[_FAMILY[product]]
            else:
                tonnes = 300.0 * len(months) / 12  # offices, warehouses
                lines = _WASTE["other"]
            for waste_type, treatment, rate in lines:
                q = max(tonnes * rate * (1 + rng.normal(0, 0.08)), 0.5)
                rows.append((f.facility_id, period(year), waste_type, treatment, fmt(q, 2), "t"))
        land.csv("procurement/waste", f"waste_{year}.csv", rows)


# ------------------------------------------------------------------ investments, other value chain
_CN_GRID = {2021: 0.5568, 2022: 0.5366, 2023: 0.5306, 2024: 0.5306}


def write_investments(land: Landing, fuel: FuelSeries, energy: EnergyData) -> None:
    """The investees report their own Scope 1 and 2; sized from their sites' activity in this sample."""
    rows = []
    for investee, fid in (("A600", "F13"), ("I700", "F14")):
        e = gc.ENTITY_BY_ID[investee]
        for year in (2021, 2022, 2023, 2024):
            s1 = sum(
                fuel_co2_t(fu, q)
                for (f, fu, _u), mo in fuel.items()
                if f == fid
                for (y, _m), q in mo.items()
                if y == year
            )
            s2 = annual_grid_mwh(energy, fid, year) * _CN_GRID[year]
            rows.append((investee, e.parent, year, fmt(e.equity_pct, 0), fmt(s1, 1), fmt(s2, 1)))
    land.csv("procurement/investments", "investments.csv", rows)


def write_other_value_chain(land: Landing, production: dict[tuple[str, int, int], float]) -> None:
    def total(product: str, year: int, entity: str) -> float:
        return sum(
            q
            for (fid, y, _m), q in production.items()
            if y == year and gc.PRODUCTION[fid][0] == product and gc.FACILITY_BY_ID[fid].entity_id == entity
        )

    rows = []
    for year in (2021, 2022, 2023, 2024):
        items = (
            (
                "S100",
                12,
                "eol_steel_structure",
                total("steel_structure", year, "S100"),
                "t",
                "End-of-life treatment of steel structures sold (95 % recycled)",
            ),
            (
                "S200",
                12,
                "eol_engineering_plastic",
                total("engineering_plastic", year, "S200") + total("modified_plastic", year, "S200"),
                "t",
                "End-of-life treatment of plastics sold",
            ),
            (
                "S300",
                11,
                "use_electric_motor_0_75kw_lifetime",
                total("electric_motor", year, "S300"),
                "pcs",
                "Lifetime electricity use of 0.75 kW motors sold (about 10 kg each; 2,000 h/yr, 10 years)",
            ),
        )
        for j, (ent, cat, key, q, unit, desc) in enumerate(items, start=1):
            rows.append((f"OVC{year}-{j:03d}", ent, year, cat, key, fmt(q, 0), unit, desc))
    land.csv("procurement/other_value_chain", "other_value_chain.csv", rows)
