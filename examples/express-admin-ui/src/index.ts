/**
 * The admin UI example as a library: mount the admin UI next to an embedded hub in any Express
 * app (the quickstart does).
 *
 * @packageDocumentation
 */
export { createAdminApp, listenAdminApp, type AdminAppOptions, type ListeningAdminApp } from './server/app.js';
export { adminUi, DEFAULT_DIST_DIR, UI_PATH, type AdminUiOptions } from './server/admin-ui.js';
export { buildAdminUi, isBuildFresh } from './server/build.js';
export { exitOnSignals } from './server/shutdown.js';
export { demoDefinitions, DEMO_MODULES, DEMO_SINK_TYPE, BATCH_SINK_TYPE, DEMO_SECRET_KEY } from './server/demo.js';
