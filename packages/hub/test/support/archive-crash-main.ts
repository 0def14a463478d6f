/**
 * A hub process that dies (SIGKILL, no cleanup) in the middle of archiving logs, for the crash
 * test. Run with `node --import tsx --conditions=source`. Environment:
 * - `NEXOMATIC_TEST_DATA_DIR`: the hub's data dir (its SQLite file);
 * - `NEXOMATIC_TEST_ARCHIVE_DIR`: the `fsArchive` folder;
 * - `NEXOMATIC_TEST_KILL_AFTER`: how many blobs it writes before it kills itself, right after the last;
 * - `NEXOMATIC_TEST_NOW`: the archive run's "now" (ISO).
 */
import { createHub, fsArchive, type LogArchive } from '../../src/index.js';

const env = process.env;
const disk = fsArchive({ dir: env.NEXOMATIC_TEST_ARCHIVE_DIR! });
let left = Number(env.NEXOMATIC_TEST_KILL_AFTER);
const dying: LogArchive = {
  description: 'dying',
  get: (name) => disk.get(name),
  async put(name, body) {
    await disk.put(name, body);
    if (--left <= 0) process.kill(process.pid, 'SIGKILL');
  },
};
const hub = await createHub({ dataDir: env.NEXOMATIC_TEST_DATA_DIR!, logs: { archive: dying } });
await hub.logs.archiveNow(new Date(env.NEXOMATIC_TEST_NOW!));
// Not reached when it dies; exit 3 says it did not.
process.exit(3);
