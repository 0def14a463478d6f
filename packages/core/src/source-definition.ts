import { z } from 'zod';
import { DefinitionName } from './names.js';

/** The key of a tenant Secret (see the hub's secrets API). */
const SecretKeyRef = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/, 'must be a secret key like GITHUB_WEBHOOK_SECRET');

/**
 * How a webhook Source verifies that a request comes from its sender, on the raw body:
 * `standard` is Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * `github` is GitHub's `X-Hub-Signature-256`.
 */
export const WebhookSignature = z.object({
  scheme: z.enum(['standard', 'github']),
  /** Keys of tenant Secrets holding the signing secrets; list two while rotating one. */
  secrets: z.array(SecretKeyRef).min(1).max(5),
  /** Largest accepted clock difference of `webhook-timestamp`, in seconds. @default 300 */
  toleranceSeconds: z.number().int().min(1).max(3600).default(300),
});
/** How a webhook Source verifies signatures. */
export type WebhookSignature = z.output<typeof WebhookSignature>;

/**
 * One row of an Event Grid Source's mapping table: Event Grid events of `type` (and, when given,
 * whose subject starts with `subjectPrefix`) become events of `eventType`. The first matching row wins.
 */
export const EventGridRoute = z.object({
  /** The Event Grid event type, e.g. `Microsoft.Storage.BlobCreated`; a trailing `*` matches a prefix. */
  type: z.string().min(1).max(300),
  subjectPrefix: z.string().max(1000).optional(),
  eventType: DefinitionName,
});
/** One row of an Event Grid mapping table. */
export type EventGridRoute = z.output<typeof EventGridRoute>;

/**
 * A Source: one registered instance of a Source Type that turns requests into events. A `webhook`
 * Source is a unique URL (`<base>/hooks/<token>`); an `eventgrid` Source is an Event Grid push
 * endpoint with a mapping table. Schedules are their own definition (see `ScheduleDefinition`).
 */
export const SourceDefinition = z.object({
  name: DefinitionName,
  type: z.enum(['webhook', 'eventgrid']),
  /** Event Types it may fire; a webhook POST without an Event Type in its path fires the first. */
  eventTypes: z.array(DefinitionName).min(1),
  /** Webhook signature verification; none when absent. */
  signature: WebhookSignature.optional(),
  /** Event Grid mapping table. @default [] */
  routes: z.array(EventGridRoute).default([]),
  /** Key of a tenant Secret an Event Grid sender presents (`aeg-sas-key` header or `?code=`). */
  sharedKeySecret: SecretKeyRef.optional(),
  /** @default true */
  enabled: z.boolean().default(true),
  /**
   * The unguessable part of the Source's URL. Set by the hub when the Source is created and kept
   * across later applies that leave it out; never written in code.
   */
  token: z.string().min(16).max(200).optional(),
  description: z.string().max(2000).optional(),
}).superRefine((source, ctx) => {
  // Fields of the other Source Type would be silently ignored: say so instead.
  if (source.type === 'eventgrid' && source.signature !== undefined)
    ctx.addIssue({ code: 'custom', path: ['signature'], message: 'only a webhook Source verifies signatures; an eventgrid Source uses sharedKeySecret' });
  if (source.type === 'webhook' && source.routes.length > 0)
    ctx.addIssue({ code: 'custom', path: ['routes'], message: 'only an eventgrid Source has a mapping table' });
  if (source.type === 'webhook' && source.sharedKeySecret !== undefined)
    ctx.addIssue({ code: 'custom', path: ['sharedKeySecret'], message: 'only an eventgrid Source has a shared key; sign webhooks with signature' });
});
/** A Source as stored. */
export type SourceDefinition = z.output<typeof SourceDefinition>;
/** A Source as written in code. */
export type SourceInput = z.input<typeof SourceDefinition>;
