/**
 * Builds the admin UI unless dist/ is already newer than its sources: the quickstart's and this
 * example's `npm start` run it first, so a fresh clone builds once and later starts skip it.
 */
import { buildAdminUi, isBuildFresh } from '../src/server/build.js';

if (isBuildFresh()) {
  console.log('admin UI: dist/ is up to date');
} else {
  const started = Date.now();
  await buildAdminUi();
  console.log(`admin UI: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
