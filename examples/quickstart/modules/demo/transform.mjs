// Step 1: turn a raw order into a priced order. Its result becomes the payload of step 2.
export async function run(ctx, payload, params) {
  const items = Array.isArray(payload.items) ? payload.items : [];
  if (items.length === 0) throw Object.assign(new Error('order has no items'), { code: 'EMPTY_ORDER' });
  const total = items.reduce((sum, item) => sum + Number(item.price) * Number(item.quantity ?? 1), 0);
  ctx.log.info('order transformed', { orderId: payload.orderId, items: items.length });
  return { orderId: payload.orderId, customer: payload.customer, total: Math.round(total * 100) / 100, currency: params.currency };
}
