/** A throughput chart in plain SVG: finished events per minute, stacked by outcome. */
import type { EventRecord } from '@nexomatic/core';

/** One minute of the chart. */
export interface Bucket {
  start: number;
  SUCCESS: number;
  WARNING: number;
  ERROR: number;
}

const OUTCOMES = ['SUCCESS', 'WARNING', 'ERROR'] as const;

/** Counts finished events per minute over the last `minutes`, oldest first. */
export function bucketByMinute(events: readonly EventRecord[], minutes: number, now = Date.now()): Bucket[] {
  const end = Math.floor(now / 60_000) * 60_000 + 60_000;
  const start = end - minutes * 60_000;
  const buckets: Bucket[] = Array.from({ length: minutes }, (_, i) => ({ start: start + i * 60_000, SUCCESS: 0, WARNING: 0, ERROR: 0 }));
  for (const event of events) {
    if (!event.finishedAt || !(OUTCOMES as readonly string[]).includes(event.state)) continue;
    const at = Date.parse(event.finishedAt);
    if (at < start || at >= end) continue;
    buckets[Math.floor((at - start) / 60_000)]![event.state as (typeof OUTCOMES)[number]] += 1;
  }
  return buckets;
}

const hhmm = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });

/** The chart; its summary is also text, for screen readers. */
export function ThroughputChart({ buckets }: { buckets: Bucket[] }) {
  const width = 1000;
  const height = 190;
  const pad = { left: 36, right: 8, top: 10, bottom: 24 };
  const total = (b: Bucket) => b.SUCCESS + b.WARNING + b.ERROR;
  const max = Math.max(1, ...buckets.map(total));
  const step = (width - pad.left - pad.right) / Math.max(1, buckets.length);
  const y = (n: number) => ((height - pad.top - pad.bottom) * n) / max;
  const sum = buckets.reduce((n, b) => n + total(b), 0);
  const ticks = [0, Math.ceil(max / 2), max].filter((v, i, all) => all.indexOf(v) === i);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="throughput-title">
        <title id="throughput-title">{`${sum} events finished in the last ${buckets.length} minutes`}</title>
        {ticks.map((tick) => {
          const ty = height - pad.bottom - y(tick);
          return (
            <g key={tick}>
              <line x1={pad.left} x2={width - pad.right} y1={ty} y2={ty} className="grid" />
              <text x={pad.left - 6} y={ty + 4} textAnchor="end" className="axis">
                {tick}
              </text>
            </g>
          );
        })}
        {buckets.map((bucket, i) => {
          let base = height - pad.bottom;
          return (
            <g key={bucket.start}>
              <title>{`${hhmm(bucket.start)}: ${bucket.SUCCESS} SUCCESS, ${bucket.WARNING} WARNING, ${bucket.ERROR} ERROR`}</title>
              {OUTCOMES.map((state) => {
                const h = y(bucket[state]);
                base -= h;
                return h > 0 ? <rect key={state} x={pad.left + i * step + 1} y={base} width={Math.max(1, step - 2)} height={h} className={`bar-${state.toLowerCase()}`} /> : null;
              })}
            </g>
          );
        })}
        {buckets.map((bucket, i) =>
          i % 10 === 0 || i === buckets.length - 1 ? (
            <text key={bucket.start} x={pad.left + i * step + step / 2} y={height - 6} textAnchor="middle" className="axis">
              {hhmm(bucket.start)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption>
        Finished events per minute, last {buckets.length} minutes: {sum} in all.{' '}
        <span className="legend">
          <span className="swatch bar-success" /> SUCCESS <span className="swatch bar-warning" /> WARNING <span className="swatch bar-error" /> ERROR
        </span>
      </figcaption>
    </figure>
  );
}
