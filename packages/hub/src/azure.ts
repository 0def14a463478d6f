/**
 * `@nexomatic/hub/azure`: the Azure Blob Storage log archive, on its own subpath so that a hub
 * without it never loads `@azure/storage-blob`.
 *
 * @packageDocumentation
 */
export { azureBlobArchive, AzureBlobArchiveOptions } from './logs/azure-archive.js';
export type { LogArchive } from './logs/archive.js';
