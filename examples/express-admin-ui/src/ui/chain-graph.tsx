/** A chain of events as a graph: one column per chain depth, an arrow from each parent to its follow-on. */
import type { EventRecord } from '@nexomatic/core';
import { navigate, UI_BASE } from './router.js';

const W = 190;
const H = 48;
const GAP_X = 50;
const GAP_Y = 14;

/** Places each event of a chain: column = chain depth, row = order of creation within the column. */
export function layoutChain(events: readonly EventRecord[]): Map<string, { x: number; y: number; event: EventRecord }> {
  const sorted = [...events].sort((a, b) => a.chainDepth - b.chainDepth || a.createdAt.localeCompare(b.createdAt));
  const rows = new Map<number, number>();
  const placed = new Map<string, { x: number; y: number; event: EventRecord }>();
  for (const event of sorted) {
    const row = rows.get(event.chainDepth) ?? 0;
    rows.set(event.chainDepth, row + 1);
    placed.set(event.id, { x: 4 + event.chainDepth * (W + GAP_X), y: 4 + row * (H + GAP_Y), event });
  }
  return placed;
}

/** The graph; the current event is outlined, every node links to its event. */
export function ChainGraph({ events, currentId }: { events: readonly EventRecord[]; currentId: string }) {
  const placed = layoutChain(events);
  const nodes = [...placed.values()];
  const width = Math.max(...nodes.map((n) => n.x + W)) + 8;
  const height = Math.max(...nodes.map((n) => n.y + H)) + 8;
  return (
    <div className="chain-graph" data-testid="chain-graph">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="group" aria-label={`Chain of ${nodes.length} events`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="edge-head" />
          </marker>
        </defs>
        {nodes.map(({ event, x, y }) => {
          const parent = event.parentEventId ? placed.get(event.parentEventId) : undefined;
          if (!parent) return null;
          const x1 = parent.x + W;
          const y1 = parent.y + H / 2;
          const y2 = y + H / 2;
          const mid = (x1 + x) / 2;
          return <path key={`edge-${event.id}`} d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x - 2} ${y2}`} className="edge" markerEnd="url(#arrow)" />;
        })}
        {nodes.map(({ event, x, y }) => (
          <a
            key={event.id}
            href={`${UI_BASE}/events/${event.id}`}
            onClick={(e) => {
              if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              navigate(`/events/${event.id}`);
            }}
            aria-label={`${event.eventType}, ${event.state}${event.id === currentId ? ' (this event)' : ''}`}
            aria-current={event.id === currentId ? 'page' : undefined}
          >
            <rect x={x} y={y} width={W} height={H} rx={6} className={`node node-${event.state.toLowerCase()}${event.id === currentId ? ' node-current' : ''}`} />
            <text x={x + 10} y={y + 19} className="node-title">
              {event.eventType.length > 24 ? `${event.eventType.slice(0, 23)}…` : event.eventType}
            </text>
            <text x={x + 10} y={y + 37} className="node-state">
              {event.state} · {event.id.slice(0, 8)}
            </text>
          </a>
        ))}
      </svg>
    </div>
  );
}
