"""The fictional 华源制造集团 (Huayuan Manufacturing Group): its static master data.

Everything here is a fixed description of the sample group — entities,
facilities, which fuels each site burns and how much, meters and their
calibration — with no randomness. ``sample_group`` turns it into landing files,
adding seeded noise. Magnitudes are chosen so the group emits of the order of
10^5 tCO2e a year in Scopes 1 and 2 (see README.md next to this file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

YEARS = (2021, 2022, 2023, 2024)
FIRST_MONTH = (2021, 1)
LAST_MONTH = (2024, 12)


@dataclass(frozen=True)
class Entity:
    entity_id: str
    name: str
    name_en: str
    parent: str | None
    relationship: str
    equity_pct: float
    financial_control: str
    operational_control: bool
    valid_from: date | None = None
    valid_to: date | None = None
    # Annual revenue in 10^6 CNY (2021), for financials; 0 = not reported to the group.
    revenue_mcny: float = 0.0
    employees: int = 0


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "G001",
        "华源制造集团有限公司",
        "Huayuan Manufacturing Group Co., Ltd.",
        None,
        "root",
        100,
        "full",
        True,
        revenue_mcny=60,
        employees=180,
    ),
    Entity(
        "S100",
        "华源钢构（江苏）有限公司",
        "Huayuan Steel Structures (Jiangsu)",
        "G001",
        "subsidiary",
        100,
        "full",
        True,
        revenue_mcny=2400,
        employees=1900,
    ),
    Entity(
        "S110",
        "华源精密铸造（苏州）有限公司",
        "Huayuan Precision Casting (Suzhou)",
        "S100",
        "subsidiary",
        100,
        "full",
        True,
        revenue_mcny=820,
        employees=760,
    ),
    Entity(
        "S200",
        "华源新材料（广东）股份有限公司",
        "Huayuan New Materials (Guangdong)",
        "G001",
        "subsidiary",
        83,
        "full",
        True,
        revenue_mcny=1500,
        employees=1150,
    ),
    Entity(
        "J210",
        "惠州华源蓝海涂料有限公司",
        "Huizhou Huayuan-Lanhai Coatings (JV)",
        "S200",
        "joint_venture",
        50,
        "joint",
        False,
        revenue_mcny=420,
        employees=310,
    ),
    Entity(
        "S220",
        "华源新材料（东莞）研究院有限公司",
        "Huayuan Materials Research Institute (Dongguan)",
        "S200",
        "subsidiary",
        100,
        "full",
        True,
        revenue_mcny=45,
        employees=120,
    ),
    Entity(
        "S300",
        "华源电机（浙江）有限公司",
        "Huayuan Electric Motors (Zhejiang)",
        "G001",
        "subsidiary",
        100,
        "full",
        True,
        valid_from=date(2023, 7, 1),
        revenue_mcny=980,
        employees=880,
    ),
    Entity(
        "S400",
        "华源物流（天津）有限公司",
        "Huayuan Logistics (Tianjin)",
        "G001",
        "subsidiary",
        100,
        "full",
        True,
        valid_to=date(2022, 9, 30),
        revenue_mcny=260,
        employees=240,
    ),
    Entity(
        "S500",
        "华源建材（安徽）有限公司",
        "Huayuan Building Materials (Anhui)",
        "G001",
        "subsidiary",
        100,
        "full",
        True,
        revenue_mcny=610,
        employees=420,
    ),
    Entity(
        "A600",
        "湖北楚华铝业有限公司",
        "Hubei Chuhua Aluminium (associate)",
        "G001",
        "associate",
        30,
        "none",
        False,
    ),
    Entity(
        "I700",
        "四川光能新材料科技有限公司",
        "Sichuan Guangneng PV Materials (investment)",
        "G001",
        "fixed_asset_investment",
        5,
        "none",
        False,
    ),
)
ENTITY_BY_ID = {e.entity_id: e for e in ENTITIES}


@dataclass(frozen=True)
class Facility:
    facility_id: str
    entity_id: str
    name: str
    province: str
    opened_on: date | None = None
    closed_on: date | None = None
    # Grid electricity, kWh per month (2021 level).
    elec_kwh_month: float = 0.0
    # Electricity price, CNY/kWh, and the grid company that bills it.
    price_cny_kwh: float = 0.65
    grid_supplier: str = ""
    # An installation covered by the emissions trading scheme (docs/methods.md M-CP-02); None: not stated.
    ets_installation: bool | None = None


_SGCC = {
    "Jiangsu": "国网江苏省电力有限公司",
    "Guangdong": "广东电网有限责任公司",
    "Zhejiang": "国网浙江省电力有限公司",
    "Tianjin": "国网天津市电力公司",
    "Hubei": "国网湖北省电力有限公司",
    "Sichuan": "国网四川省电力公司",
    "Shanghai": "国网上海市电力公司",
    "Anhui": "国网安徽省电力有限公司",
}
# Provinces written in Chinese in the facility master (the loader must map them).
PROVINCE_ZH = {"江苏": "Jiangsu", "广东": "Guangdong", "浙江": "Zhejiang", "上海": "Shanghai"}


def province_en(province: str) -> str:
    return PROVINCE_ZH.get(province, province)


def _fac(fid, eid, name, prov, kwh, price, **kw) -> Facility:
    return Facility(
        fid,
        eid,
        name,
        prov,
        elec_kwh_month=kwh,
        price_cny_kwh=price,
        grid_supplier=_SGCC[province_en(prov)],
        **kw,
    )


FACILITIES: tuple[Facility, ...] = (
    _fac("F01", "S100", "常州钢结构一厂", "江苏", 1_200_000, 0.66),
    _fac("F02", "S100", "南通钢结构二厂", "Jiangsu", 800_000, 0.66),
    _fac("F03", "S100", "无锡智能制造基地", "Jiangsu", 400_000, 0.66, opened_on=date(2022, 4, 1)),
    _fac("F04", "S110", "苏州精密铸造厂", "江苏", 1_500_000, 0.65),
    _fac("F05", "S110", "昆山机加工车间", "Jiangsu", 500_000, 0.67),
    _fac("F06", "S200", "佛山新材料工厂", "Guangdong", 1_600_000, 0.71),
    _fac("F07", "S200", "惠州改性塑料工厂", "Guangdong", 900_000, 0.70),
    _fac("F08", "S200", "肇庆改性塑料老厂", "Guangdong", 300_000, 0.70, closed_on=date(2023, 6, 30)),
    _fac("F09", "J210", "惠州涂料工厂", "Guangdong", 500_000, 0.70),
    _fac("F10", "S300", "宁波电机工厂", "Zhejiang", 1_100_000, 0.68),
    _fac("F11", "S300", "嘉兴电机二厂", "浙江", 400_000, 0.68),
    _fac("F12", "S400", "天津物流中心", "Tianjin", 150_000, 0.64),
    _fac("F13", "A600", "襄阳铝板带加工厂", "Hubei", 2_500_000, 0.62),
    _fac("F14", "I700", "成都光伏组件厂", "Sichuan", 800_000, 0.58),
    _fac("F15", "G001", "上海集团总部", "上海", 80_000, 0.78),
    _fac("F16", "S500", "芜湖石灰窑厂", "Anhui", 900_000, 0.63),
    _fac("F17", "S500", "池州石灰石矿", "Anhui", 200_000, 0.63),
    _fac("F18", "S100", "盐城仓储中心", "Jiangsu", 100_000, 0.67),
    _fac("F19", "S220", "东莞研发中心", "广东", 120_000, 0.74),
    _fac("F20", "S300", "杭州销售中心", "Zhejiang", 30_000, 0.75),
)
FACILITY_BY_ID = {f.facility_id: f for f in FACILITIES}


@dataclass(frozen=True)
class FuelLine:
    fuel: str
    use: str
    unit: str
    monthly: float  # 2021 level per month, in `unit`
    heating_amp: float = 0.0  # seasonal amplitude, peak in January
    decimals: int = 3


_NG = "10^4 Nm3"
FUEL_LINES: dict[str, tuple[FuelLine, ...]] = {
    "F01": (
        FuelLine("natural_gas", "stationary", _NG, 20.0, 0.20, 4),
        FuelLine("diesel", "stationary", "t", 1.8),
        FuelLine("diesel", "mobile", "t", 7.5),
        FuelLine("lpg", "stationary", "t", 3.2),
    ),
    "F02": (
        FuelLine("natural_gas", "stationary", _NG, 12.0, 0.20, 4),
        FuelLine("diesel", "mobile", "t", 5.0),
    ),
    "F03": (FuelLine("natural_gas", "stationary", _NG, 5.0, 0.20, 4), FuelLine("diesel", "mobile", "t", 2.0)),
    "F04": (
        FuelLine("bituminous_coal", "stationary", "t", 150.0, 0.05),
        FuelLine("natural_gas", "stationary", _NG, 8.0, 0.15, 4),
    ),
    "F05": (
        FuelLine("natural_gas", "stationary", _NG, 3.0, 0.25, 4),
        FuelLine("diesel", "mobile", "t", 2.0),
        FuelLine("gasoline", "mobile", "t", 1.0),
    ),
    "F06": (
        FuelLine("natural_gas", "stationary", _NG, 30.0, 0.05, 4),
        FuelLine("lpg", "stationary", "t", 4.0),
        FuelLine("diesel", "mobile", "t", 6.0),
    ),
    "F07": (
        FuelLine("natural_gas", "stationary", _NG, 15.0, 0.05, 4),
        FuelLine("diesel", "mobile", "t", 3.0),
    ),
    "F08": (
        FuelLine("natural_gas", "stationary", _NG, 6.0, 0.05, 4),
        FuelLine("diesel", "stationary", "t", 1.0),
    ),
    "F09": (FuelLine("natural_gas", "stationary", _NG, 8.0, 0.05, 4), FuelLine("diesel", "mobile", "t", 2.0)),
    "F10": (
        FuelLine("natural_gas", "stationary", _NG, 18.0, 0.15, 4),
        FuelLine("diesel", "mobile", "t", 4.0),
        FuelLine("gasoline", "mobile", "t", 1.0),
    ),
    "F11": (
        FuelLine("natural_gas", "stationary", _NG, 4.0, 0.15, 4),
        FuelLine("biomass_wood", "stationary", "t", 30.0, 0.10),
    ),
    "F12": (FuelLine("diesel", "mobile", "t", 60.0), FuelLine("gasoline", "mobile", "t", 3.0)),
    "F13": (
        FuelLine("natural_gas", "stationary", _NG, 40.0, 0.05, 4),
        FuelLine("diesel", "mobile", "t", 5.0),
    ),
    "F14": (FuelLine("natural_gas", "stationary", _NG, 5.0, 0.10, 4),),
    "F15": (FuelLine("gasoline", "mobile", "t", 1.5), FuelLine("diesel", "stationary", "t", 0.2)),
    "F16": (
        FuelLine("bituminous_coal", "stationary", "t", 400.0, 0.05),
        FuelLine("diesel", "mobile", "t", 10.0),
    ),
    "F17": (FuelLine("diesel", "mobile", "t", 25.0),),
    "F18": (FuelLine("diesel", "mobile", "t", 3.0), FuelLine("lpg", "mobile", "t", 1.0)),
    "F19": (FuelLine("natural_gas", "stationary", _NG, 1.0, 0.10, 4),),
    "F20": (FuelLine("gasoline", "mobile", "t", 0.5),),
}

# The subsidiary whose ERP exports GB18030 CSV with Chinese headers and values.
GB18030_ENTITY = "S200"
FUEL_ZH = {"natural_gas": "天然气", "diesel": "柴油", "lpg": "液化石油气", "gasoline": "汽油"}
UNIT_ZH = {_NG: "万立方米", "t": "吨"}
USE_ZH = {"stationary": "固定", "mobile": "移动"}
FUEL_HEADERS_ZH = {
    "record_id": "单据号",
    "facility_id": "设施编码",
    "period": "期间",
    "fuel": "燃料",
    "quantity": "数量",
    "unit": "单位",
    "use": "用途",
    "measured_ncv_gj_per_unit": "实测低位发热量",
    "measured_carbon_content_tc_per_gj": "实测单位热值含碳量",
}

# Process activity: limestone calcined in the lime kiln (t CaCO3 per month).
PROCESS_LINES = {"F16": ("limestone_calcination", 2_500.0)}
# The share of the kiln feed that is CaCO3 (pipelines/lib/contract.py, erp/process_activity purity_fraction): high-calcium
# limestone of 95 %, so 2,500 t of feed release 2,500 x 0.95 x 0.43971 = 1,044 t CO2 for about 1,400 t
# of quicklime (0.75 t CO2 per t CaO, under the stoichiometric 0.785 of pure CaCO3 -> CaO).
PROCESS_PURITY = {"F16": 0.95}
# S500's ETS installation is the lime kiln; the quarry's diesel machines are not covered.
ETS_INSTALLATIONS = {"F16": True, "F17": False}

# Production: (product, unit, quantity per month). S300 reports pieces as 件.
PRODUCTION = {
    "F01": ("steel_structure", "t", 8_000),
    "F02": ("steel_structure", "t", 5_000),
    "F03": ("steel_structure", "t", 2_500),
    "F04": ("iron_casting", "t", 3_000),
    "F05": ("machined_part", "pcs", 120_000),
    "F06": ("engineering_plastic", "t", 4_000),
    "F07": ("modified_plastic", "t", 2_500),
    "F08": ("modified_plastic", "t", 800),
    "F09": ("industrial_coating", "t", 1_500),
    "F10": ("electric_motor", "件", 2_500),
    "F11": ("electric_motor", "件", 1_000),
    "F13": ("aluminium_sheet", "t", 6_000),
    "F14": ("pv_module", "pcs", 50_000),
    "F16": ("quicklime", "t", 1_400),
    "F17": ("limestone_aggregate", "t", 30_000),
}


@dataclass(frozen=True)
class Meter:
    meter_id: str
    facility_id: str
    energy_type: str
    supply: str
    unit: str
    accuracy_class: str
    last_calibrated_on: date
    calibration_interval_months: int
    cycle: str = "calendar"  # "calendar" or "26th" (billing cycle from the 26th to the 25th)
    interval_2024: bool = False  # 15-minute readings for 2024 (Parquet) instead of monthly


def _em(fid, unit="kWh", acc="0.5S", cal=date(2024, 3, 12), months=12, **kw) -> Meter:
    return Meter(f"EM-{fid}", fid, "electricity", "grid", unit, acc, cal, months, **kw)


METERS: tuple[Meter, ...] = (
    _em("F01", cal=date(2024, 2, 20), interval_2024=True, acc="0.2S"),
    _em("F02", cal=date(2024, 4, 8)),
    _em("F03", cal=date(2023, 9, 18), months=24),
    _em("F04", unit="MWh", cal=date(2024, 1, 15), acc="0.2S"),
    # Deliberate defect D2: calibrated 2022-05-16 on a 24-month interval, so overdue from 2024-05-16.
    _em("F05", cal=date(2022, 5, 16), months=24, acc="1.0"),
    _em("F06", cal=date(2024, 6, 3), cycle="26th"),
    _em("F07", cal=date(2023, 11, 21), months=24, cycle="26th"),
    _em("F08", cal=date(2022, 9, 5), cycle="26th"),
    _em("F09", cal=date(2024, 5, 27), cycle="26th"),
    _em("F10", cal=date(2024, 7, 1), interval_2024=True, acc="0.2S"),
    _em("F11", cal=date(2023, 3, 14), months=24),
    _em("F12", cal=date(2021, 11, 9), months=12, acc="1.0"),
    _em("F13", unit="MWh", cal=date(2024, 2, 28), acc="0.2S"),
    _em("F14", cal=date(2024, 8, 19)),
    _em("F15", cal=date(2023, 6, 30), months=24, acc="1.0"),
    _em("F16", cal=date(2024, 4, 22)),
    _em("F17", cal=date(2024, 9, 10), acc="1.0"),
    _em("F18", cal=date(2023, 5, 8), months=24, acc="1.0"),
    _em("F19", cal=date(2024, 10, 15), cycle="26th", acc="1.0"),
    _em("F20", cal=date(2024, 1, 9), acc="1.0"),
    Meter("PV-F01", "F01", "electricity", "onsite_renewable", "kWh", "0.5S", date(2024, 5, 6), 24),
    Meter("PV-F06", "F06", "electricity", "onsite_renewable", "kWh", "0.5S", date(2023, 8, 17), 24),
    Meter("ST-F04", "F04", "steam", "third_party", "GJ", "2.0", date(2024, 3, 1), 12),
    Meter("ST-F07", "F07", "steam", "third_party", "GJ", "2.0", date(2024, 2, 26), 12),
    Meter("NG-F06", "F06", "natural_gas", "third_party", "m3", "1.0", date(2023, 12, 4), 24),
    Meter("NG-F07", "F07", "natural_gas", "third_party", "m3", "1.0", date(2024, 6, 12), 24),
    Meter("NG-F10", "F10", "natural_gas", "third_party", "m3", "1.0", date(2023, 10, 30), 24),
)

# Onsite solar: installed kWp; steam: GJ per day.
SOLAR_KWP = {"PV-F01": 2_000.0, "PV-F06": 1_200.0}
STEAM_GJ_DAY = {"ST-F04": 100.0, "ST-F07": 70.0}
STEAM_SUPPLIER = {"F04": "苏州工业园区蓝天热电有限公司", "F07": "惠州大亚湾石化区热电有限公司"}
STEAM_PRICE_CNY_GJ = {"F04": 92.0, "F07": 98.0}
