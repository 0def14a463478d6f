/**
 * Reading a definitions file (`nexomatic.config.ts`, `.mts`, `.mjs`, `.js`): TypeScript through
 * `tsx`'s `tsImport`, JavaScript with a plain `import()`. Node only.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NexomaticError, type Definitions } from '@nexomatic/core';
import { z } from 'zod';
import type { NexomaticConfig } from '../config.js';

/** The file names {@link findConfig} looks for, in order. */
export const CONFIG_FILES = ['nexomatic.config.ts', 'nexomatic.config.mts', 'nexomatic.config.mjs', 'nexomatic.config.js'] as const;

const KINDS = ['sinkTypes', 'actions', 'eventTypes', 'sources', 'schedules'] as const satisfies ReadonlyArray<keyof Definitions>;
const ConfigShape = z
  .object(Object.fromEntries(KINDS.map((k) => [k, z.array(z.unknown()).readonly().optional()])))
  .refine((value) => KINDS.some((k) => value[k] !== undefined), `has none of ${KINDS.join(', ')}`);

/** The first config file of {@link CONFIG_FILES} in `dir`, or undefined. */
export function findConfig(dir = process.cwd()): string | undefined {
  return CONFIG_FILES.map((name) => resolve(dir, name)).find((path) => existsSync(path));
}

/**
 * Loads the definitions a config file exports (its default export, or an export named
 * `definitions`). Throws a `VALIDATION` error naming the file when it is missing or exports none.
 * The definitions are checked field by field when they are applied or diffed.
 */
export async function loadConfig(path: string): Promise<NexomaticConfig> {
  const file = resolve(path);
  if (!existsSync(file)) throw new NexomaticError('VALIDATION', `config file ${file} does not exist`);
  let module: { default?: unknown; definitions?: unknown };
  try {
    module = ['.ts', '.mts', '.cts', '.tsx'].includes(extname(file))
      ? ((await (await import('tsx/esm/api')).tsImport(pathToFileURL(file).href, import.meta.url)) as typeof module)
      : ((await import(pathToFileURL(file).href)) as typeof module);
  } catch (error) {
    throw NexomaticError.from(error, 'VALIDATION');
  }
  const exported = module.definitions ?? module.default;
  const checked = ConfigShape.safeParse(exported);
  if (!checked.success) {
    throw new NexomaticError(
      'VALIDATION',
      `config file ${file} must export definitions (export default defineConfig({ eventTypes: [...], ... })): ${checked.error.issues[0]?.message ?? 'nothing exported'}`,
    );
  }
  return exported as NexomaticConfig;
}
