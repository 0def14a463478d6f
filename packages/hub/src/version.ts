/** The version of this hub package, reported to sinks. */
export const HUB_VERSION = '0.1.0';
