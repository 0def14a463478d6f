/**
 * `@nexomatic/hub/testing`: the `HubStore` contract suite, for adapter authors. Imports vitest.
 *
 * @packageDocumentation
 */
export { describeHubStoreContract, type StoreFactory } from './store/contract.js';
