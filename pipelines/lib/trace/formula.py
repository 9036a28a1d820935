"""A traced row's arithmetic in words, closing on the row's own numbers."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


def number_text(x: float | Decimal | None) -> str:
    if x is None:
        return "?"
    if isinstance(x, Decimal):
        text = format(x.normalize(), "f")
        return text if text not in ("-0", "") else "0"
    return f"{x:.10g}"


def formula(r: dict[str, Any]) -> str:
    """The row's arithmetic in words: quantity x factor [x conversion] x GWP x weight = contribution.

    Where the mart's gas mass is not simply quantity x factor (the factor is per
    TJ and the activity in tonnes, measured NCV/carbon content replaced the
    default, a reading was pro-rated), the multiplier k = gas mass / (quantity x
    factor) is written out, so the formula always closes on the row's numbers.
    """
    q, unit = r.get("activity_quantity"), r.get("activity_unit")
    fv, funit, fgas = r.get("factor_value"), r.get("factor_unit"), r.get("factor_gas")
    gas, mass, gwp = r.get("gas"), r.get("gas_mass_t"), r.get("gwp_100")
    if str(r.get("factor_id") or "").startswith("gwp:"):  # the factor is the GWP itself (refrigerants)
        head = f"{number_text(q)} {unit} = {number_text(mass)} t {gas}"
    else:
        parts = [f"{number_text(q)} {unit}", f"{number_text(fv)} t {fgas}/{funit}"]
        if q is not None and fv and mass is not None and q != 0:
            k = mass / (q * fv)
            if not math.isclose(k, 1.0, rel_tol=1e-9):
                per = f" {funit}/{unit}" if funit != unit else ""
                parts.append(
                    f"{k:.10g}{per} ({'unit conversion, ' if funit != unit else ''}{r.get('method')})"
                )
        head = " × ".join(parts) + f" = {number_text(mass)} t {gas}"
    tail = f" × GWP {number_text(gwp)} ({r.get('gwp_set')})"
    if r.get("weight") is not None:
        tail += f" × weight {number_text(r.get('weight'))} = {number_text(r.get('contribution_t'))} t CO2e"
    else:
        tail += f" = {number_text(r.get('co2e_t'))} t CO2e"
    return head + tail
