import packageJson from '../../package.json' with { type: 'json' };

/** The version of this `@nexomatic/sink` package, as `nexomatic-sink --version` prints it. */
export const SINK_VERSION: string = packageJson.version;
