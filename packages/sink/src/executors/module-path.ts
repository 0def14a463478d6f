import { access } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ModulePath, NexomaticError } from '@nexomatic/core';

/** File extensions tried for a module, in order. */
export const NODE_MODULE_EXTENSIONS = ['.mjs', '.js', '.ts', '.mts'] as const;

/**
 * The files a dotted module path may live in under the given roots, in the order they are tried:
 * each root in turn, and in a root each of `extensions` (the node executor's by default).
 */
export function moduleCandidates(
  module: string,
  roots: ReadonlyArray<string>,
  extensions: ReadonlyArray<string> = NODE_MODULE_EXTENSIONS,
): string[] {
  if (!ModulePath.safeParse(module).success) {
    throw new NexomaticError('MODULE_NOT_FOUND', `module "${module}" is not a dotted import path like orders.process`);
  }
  const relative = join(...module.split('.'));
  return roots.flatMap((root) => {
    const base = join(isAbsolute(root) ? root : resolve(root), relative);
    return extensions.map((ext) => base + ext);
  });
}

/**
 * Resolves a dotted module path (`orders.process`) to the first existing file
 * `<root>/orders/process<ext>` under the roots, in order, trying `extensions` in each root
 * (`.mjs`, `.js`, `.ts`, `.mts` by default). Throws `MODULE_NOT_FOUND` naming every path tried.
 */
export async function resolveModulePath(
  module: string,
  roots: ReadonlyArray<string>,
  extensions: ReadonlyArray<string> = NODE_MODULE_EXTENSIONS,
): Promise<string> {
  const candidates = moduleCandidates(module, roots, extensions);
  for (const file of candidates) {
    try {
      await access(file);
      return file;
    } catch {
      // try the next candidate
    }
  }
  throw new NexomaticError('MODULE_NOT_FOUND', `module ${module} not found; tried ${candidates.join(', ')}`, {
    details: { module, tried: candidates },
  });
}
