"""Tell someone an order was stored (the quickstart's third step runs this module).

Here the "notification" is a structured log record, which the hub stores with the event.
"""

from .pricing import format_amount


def run(ctx, payload, params):
    message = "order {} stored ({})".format(payload["orderId"], format_amount(payload["total"]))
    print("notifying: " + message)
    ctx.log.info("notification sent", message=message, runtime="python")
    return {"notified": True, "message": message}
