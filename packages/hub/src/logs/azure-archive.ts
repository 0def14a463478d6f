import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { parse } from '@nexomatic/core';
import type { LogArchive } from './archive.js';

const isContainerClient = (value: unknown): value is ContainerClient =>
  typeof value === 'object' && value !== null && typeof (value as ContainerClient).getBlockBlobClient === 'function';

/** Options of {@link azureBlobArchive}: a connection string and a container name, or a container client you made. */
export const AzureBlobArchiveOptions = z.union([
  z.strictObject({
    /** An Azure Storage connection string (for Azurite: its well-known development account string). */
    connectionString: z.string().min(1),
    /** The container chunks are written to; created on first use when missing. */
    container: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a valid container name (3-63 lowercase letters, digits and single hyphens)'),
  }),
  z.strictObject({
    /** A container client you configured (credentials, retry policy); the container must exist. */
    containerClient: z.custom<ContainerClient>(isContainerClient, 'must be a ContainerClient of @azure/storage-blob'),
  }),
]);
/** Options of {@link azureBlobArchive}. */
export type AzureBlobArchiveOptions = z.input<typeof AzureBlobArchiveOptions>;

/** Whether an Azure SDK error is a 404. */
function notFound(error: unknown): boolean {
  return (error as { statusCode?: unknown } | null)?.statusCode === 404;
}

/**
 * A {@link LogArchive} in Azure Blob Storage: one block blob per chunk (`application/gzip`). Lives
 * on the `@nexomatic/hub/azure` subpath, so a hub without it never loads `@azure/storage-blob`
 * (install that package to use it).
 *
 * @example
 * ```ts
 * import { azureBlobArchive } from '@nexomatic/hub/azure';
 * const archive = azureBlobArchive({ connectionString: process.env.AZURE_STORAGE_CONNECTION_STRING!, container: 'nexomatic-logs' });
 * const hub = await createHub({ logs: { archive } });
 * ```
 */
export function azureBlobArchive(options: AzureBlobArchiveOptions): LogArchive {
  const resolved = parse(AzureBlobArchiveOptions, options, 'azureBlobArchive options');
  const owned = !('containerClient' in resolved);
  const container =
    'containerClient' in resolved
      ? resolved.containerClient
      : BlobServiceClient.fromConnectionString(resolved.connectionString).getContainerClient(resolved.container);
  // The container is created once, on first use (the factory does no I/O); a failure is retried next time.
  let created: Promise<unknown> | undefined;
  const ready = (): Promise<unknown> => {
    if (!owned) return Promise.resolve();
    created ??= container.createIfNotExists().catch((error: unknown) => {
      created = undefined;
      throw error;
    });
    return created;
  };
  return {
    description: `azure:${container.url}`,
    async put(name, body) {
      await ready();
      await container.getBlockBlobClient(name).uploadData(body, { blobHTTPHeaders: { blobContentType: 'application/gzip' } });
    },
    async get(name) {
      await ready();
      try {
        return await container.getBlockBlobClient(name).downloadToBuffer();
      } catch (error) {
        if (notFound(error)) return null;
        throw error;
      }
    },
  };
}
