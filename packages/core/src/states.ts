import { z } from 'zod';

/** The states of an Event: `QUEUED` → `RUNNING` → `SUCCESS` | `WARNING` | `ERROR`. Nothing else. */
export const EventState = z.enum(['QUEUED', 'RUNNING', 'SUCCESS', 'WARNING', 'ERROR']);
/** A state of an Event. */
export type EventState = z.infer<typeof EventState>;

/** The states in which an Event is finished. */
export const TERMINAL_STATES: ReadonlySet<EventState> = new Set(['SUCCESS', 'WARNING', 'ERROR']);

/** True when the state is `SUCCESS`, `WARNING` or `ERROR`. */
export function isTerminal(state: EventState): boolean {
  return TERMINAL_STATES.has(state);
}

/** The outcome a sink reports for a task: the terminal Event states. */
export const Outcome = z.enum(['SUCCESS', 'WARNING', 'ERROR']);
/** The outcome of a task. */
export type Outcome = z.infer<typeof Outcome>;

/** The status of a Sink as the hub sees it. */
export const SinkStatus = z.enum(['ONLINE', 'OFFLINE', 'RESETTING', 'KILLING', 'FORCE_KILLING']);
/** A status of a Sink. */
export type SinkStatus = z.infer<typeof SinkStatus>;

/** A control signal an Admin sends to a sink: graceful restart, graceful shutdown, immediate stop. */
export const ControlSignal = z.enum(['RESET', 'KILL', 'FORCE_KILL']);
/** A control signal. */
export type ControlSignal = z.infer<typeof ControlSignal>;

/** How a Parameter gets its value: fixed, read from the payload, or a secret resolved at run time. */
export const ParameterType = z.enum(['STATIC', 'DATA', 'SECRET']);
/** A kind of Parameter. */
export type ParameterType = z.infer<typeof ParameterType>;

/** The kinds of Source. */
export const SourceType = z.enum(['webhook', 'scheduler', 'eventgrid', 'client', 'custom']);
/** A kind of Source. */
export type SourceType = z.infer<typeof SourceType>;

/** The runtimes a sink can execute modules in. */
export const Runtime = z.enum(['node', 'python', 'powershell']);
/** A runtime of a sink. */
export type Runtime = z.infer<typeof Runtime>;

/** The roles of a user or token: `Admin` reads and writes its tenant, `Viewer` only reads. */
export const Role = z.enum(['Admin', 'Viewer']);
/** A role. */
export type Role = z.infer<typeof Role>;
