import { describe } from 'vitest';
import { describeAggregates } from './contract/aggregates.js';
import { describeClaims } from './contract/claim.js';
import { describeEventRecords } from './contract/events.js';
import { describeIdentities } from './contract/identities.js';
import { describeLogs } from './contract/logs.js';
import { useHarness, type StoreFactory } from './contract/fixtures.js';
import { describeQueue } from './contract/queue.js';
import { describeVaultAggregates } from './contract/vault.js';
import { describeWindows } from './contract/windows.js';

export type { StoreFactory } from './contract/fixtures.js';

/**
 * The executable form of the `HubStore` contract (the prose at the top of `port.ts`): a vitest
 * suite every adapter runs. Tests use unique tenants and Sink Types, so the stores a factory makes
 * may share one database.
 *
 * @example
 * ```ts
 * describeHubStoreContract('sqlite', {
 *   create: () => sqliteStore({ path: freshFile() }),
 *   createPeer: (first) => sqliteStore({ path: fileOf(first) }),
 * });
 * ```
 */
export function describeHubStoreContract(name: string, factory: StoreFactory): void {
  describe(`HubStore contract: ${name}`, () => {
    const harness = useHarness(factory);
    describeEventRecords(harness);
    describeClaims(harness);
    describeWindows(harness);
    describeQueue(harness);
    describeAggregates(harness);
    describeVaultAggregates(harness);
    describeIdentities(harness);
    describeLogs(harness);
  });
}
