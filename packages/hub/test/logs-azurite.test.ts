/**
 * The Azure Blob Storage archive against Azurite (started here, on loopback): records past
 * retention move to block blobs, queries read them back transparently, and a crash after a blob
 * was written is finished by the next run without duplicates.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import type { LogRecord } from '@nexomatic/core';
import { azureBlobArchive } from '../src/azure.js';
import type { LogArchive } from '../src/index.js';
import { startAzurite, type Azurite } from './support/azurite.js';
import { logAnswers, seedLogs } from './support/log-seed.js';
import { startTestHub, testDefinitions } from './support/test-hub.js';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

async function blobNames(container: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).listBlobsFlat()) names.push(blob.name);
  return names.sort();
}

describe('log archive in Azure Blob Storage (Azurite)', () => {
  it('archives to blobs, reads them back in queries, and finishes a crashed run without duplicates', { timeout: 60_000 }, async () => {
    const container = `logs-${Date.now()}`;
    const blobs = azureBlobArchive({ connectionString: azurite.connectionString, container });
    let crashes = 1;
    const archive: LogArchive = {
      description: blobs.description,
      get: (name) => blobs.get(name),
      async put(name, body) {
        await blobs.put(name, body);
        if (crashes-- > 0) throw new Error('the hub died after writing the blob');
      },
    };
    await using test = await startTestHub({ logs: { archive } });
    const { hub } = test;
    const tenantB = (await hub.createTenant({ name: 'tenant-b' })).id;
    await hub.apply(testDefinitions, tenantB);
    const seeded = await seedLogs(hub, tenantB);
    const before = await logAnswers(hub, seeded);

    await expect(hub.logs.archiveNow(seeded.now)).rejects.toThrow('the hub died after writing the blob');
    expect(await logAnswers(hub, seeded)).toEqual(before);
    const summary = await hub.logs.archiveNow(seeded.now);
    expect(summary.chunks).toBeGreaterThan(0);

    const chunks = [...(await hub.store.logs.chunks(hub.tenantId, { limit: 1 })), ...(await hub.store.logs.chunks(tenantB, { limit: 1 }))];
    expect(chunks).toHaveLength(4);
    expect(chunks.reduce((sum, c) => sum + c.count, 0)).toBe(seeded.old);
    // One blob per indexed chunk: the crashed write was overwritten under the same name.
    expect(await blobNames(container)).toEqual(chunks.map((c) => c.name).sort());
    const body = await blobs.get(chunks[0]!.name);
    const records = gunzipSync(body!).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as LogRecord);
    expect(records).toHaveLength(chunks[0]!.count);
    expect(await blobs.get('logs/no/such/blob.jsonl.gz')).toBeNull();

    // Queries read the archived records transparently.
    expect(await logAnswers(hub, seeded)).toEqual(before);
    expect((await hub.store.logs.query(hub.tenantId, { eventId: seeded.events.first, limit: 100 })).length).toBe(4);
  });
});
