"""Enrich a received order with its subtotal, VAT and total.

Parameters (set on the Action or Event Type):
  country  DATA    shipping.country of the payload
  apiKey   SECRET  the pricing service key (PRICING_API_KEY); the sink resolves it into params
"""

from .pricing import VAT_RATES, money, subtotal


class EmptyOrder(Exception):
    """An order without lines: retrying cannot help, so the event fails at once."""

    code = "EMPTY_ORDER"
    retryable = False


def run(ctx, payload, params):
    order_id = payload["orderId"]
    lines = payload.get("lines") or []
    if not lines:
        raise EmptyOrder("order {} has no lines".format(order_id))

    # A SECRET parameter arrives resolved; ctx.secret() asks the hub for the same key on demand.
    api_key = params.get("apiKey") or ctx.secret("PRICING_API_KEY")
    # Secret values are masked (***) in everything the sink reports: this line is logged as "key ***".
    print("calling the pricing API for order {} with pricing API key {}".format(order_id, api_key))

    country = params["country"]
    rate = VAT_RATES.get(country)
    if rate is None:
        ctx.warn("no VAT rate for {}; order {} is zero-rated".format(country, order_id))
        rate = 0
    net = subtotal(lines)
    vat = net * rate
    ctx.log.info("order enriched", orderId=order_id, country=country, lines=len(lines))
    return {
        "orderId": order_id,
        "country": country,
        "subtotal": money(net),
        "vat": money(vat),
        "total": money(net + vat),
        "currency": "EUR",
    }
