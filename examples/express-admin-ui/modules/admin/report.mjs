// A batch report: counts the rows it was given.
export async function run(ctx, payload) {
  const rows = Array.isArray(payload.rows) ? payload.rows.length : 0;
  ctx.log.info('report built', { rows });
  return { rows };
}
