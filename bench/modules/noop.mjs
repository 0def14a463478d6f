// The benchmark's no-op module: returns at once, so only the platform's own cost is measured.
export function run() {
  return null;
}
