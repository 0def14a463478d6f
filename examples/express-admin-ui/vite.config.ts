import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

/** Where the UI lives in the browser: every client-side route is under it. */
export const UI_BASE = '/ui/';

// The UI is built from src/ui into dist/. The `source` condition bundles the workspace packages
// (@nexomatic/client, @nexomatic/core) from their TypeScript sources, as the tests run them.
// JSX is compiled by Vite's own esbuild (automatic runtime): a production build needs no plugin.
// (@vitejs/plugin-react is hoisted next to a newer Vite at the repository root and would load that
// one; it only adds fast refresh for `vite dev`.)
export default defineConfig({
  root: fileURLToPath(new URL('./src/ui', import.meta.url)),
  base: UI_BASE,
  esbuild: { jsx: 'automatic' },
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      // zod's sources carry comments Rollup reports as misplaced annotations; harmless.
      onwarn(warning, warn) {
        if (warning.code !== 'INVALID_ANNOTATION') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
