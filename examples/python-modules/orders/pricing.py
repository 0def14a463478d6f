"""Pricing helpers shared by the order modules (plain Python: testable without a sink)."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, Iterable, Mapping

#: VAT rates by ISO country code; orders to other countries are zero-rated.
VAT_RATES: Dict[str, Decimal] = {"DE": Decimal("0.19"), "FR": Decimal("0.20"), "NL": Decimal("0.21")}

CENT = Decimal("0.01")


def money(value: Decimal) -> float:
    """A Decimal amount as a JSON number rounded to cents."""
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def subtotal(lines: Iterable[Mapping[str, object]]) -> Decimal:
    """The sum of price x quantity over the order lines."""
    return sum((Decimal(str(line["price"])) * int(line.get("quantity", 1)) for line in lines), Decimal(0))


def format_amount(amount: object) -> str:
    """9 -> "9", 13.5 -> "13.5": amounts as people write them."""
    number = Decimal(str(amount)).normalize()
    return format(number, "f")
