import { access } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ModulePath, NexomaticError } from '@nexomatic/core';

/** File extensions tried for a module, in order. */
export const NODE_MODULE_EXTENSIONS = ['.mjs', '.js', '.ts', '.mts'] as const;

/** The files a dotted module path may live in under the given roots, in the order they are tried. */
export function moduleCandidates(module: string, roots: ReadonlyArray<string>): string[] {
  if (!ModulePath.safeParse(module).success) {
    throw new NexomaticError('MODULE_NOT_FOUND', `module "${module}" is not a dotted import path like orders.process`);
  }
  const relative = join(...module.split('.'));
  return roots.flatMap((root) => {
    const base = join(isAbsolute(root) ? root : resolve(root), relative);
    return NODE_MODULE_EXTENSIONS.map((ext) => base + ext);
  });
}

/**
 * Resolves a dotted module path (`orders.process`) to the first existing file
 * `<root>/orders/process.{mjs,js,ts,mts}` under the roots, in order. Throws `MODULE_NOT_FOUND`
 * naming every path tried.
 */
export async function resolveModulePath(module: string, roots: ReadonlyArray<string>): Promise<string> {
  const candidates = moduleCandidates(module, roots);
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
