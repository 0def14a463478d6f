import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { DefinitionName } from '@nexomatic/core';
import { z } from 'zod';
import type { SourceView } from '../sources/source-service.js';
import { adminProcedure, router, viewerProcedure } from './trpc.js';

/** A Source as `sources.list` shows it: with full URLs, built from the request's own origin. */
export interface SourceListing extends SourceView {
  /** `paths` on the origin the caller reached the hub at; empty for a `Viewer`. */
  urls: string[];
}

/** The origin the caller reached the hub at (`http(s)://` and the `Host` header). */
function originOf(req: IncomingMessage): string {
  const scheme = req.socket instanceof TLSSocket ? 'https' : 'http';
  return `${scheme}://${req.headers.host ?? 'localhost'}`;
}

const withUrls = (req: IncomingMessage, view: SourceView): SourceListing => ({ ...view, urls: view.paths.map((path) => `${originOf(req)}${path}`) });

/**
 * Sources of the caller's tenant (webhooks, Event Grid endpoints). Their URL tokens are
 * credentials that fire events, so only an `Admin` sees them: a `Viewer` gets each Source with
 * `token: null` and no paths or URLs.
 */
export const sourcesRouter = router({
  /** The tenant's Sources, by name, with their URLs (for an `Admin`). */
  list: viewerProcedure.query(async ({ ctx }) => {
    const views = await ctx.services.sources.list(ctx.caller.tenantId, ctx.caller.role === 'Admin');
    return views.map((view) => withUrls(ctx.req, view));
  }),
  /** Gives a Source a new URL token; the old URL answers 404 at once (Admin; audited). */
  rotateToken: adminProcedure
    .input(z.object({ name: DefinitionName }))
    .mutation(async ({ ctx, input }) => withUrls(ctx.req, await ctx.services.sources.rotateToken(ctx.caller, input.name))),
});
