/** What a scenario hands back: its numbers, its Markdown section, and what went wrong. */
export interface ScenarioBody<T> {
  data: T;
  markdown: string;
  /** Failures that do not lose the numbers measured (e.g. a peer that failed): the scenario fails. */
  problems?: string[];
  /** Parts skipped, with the reason (e.g. a peer's server not reachable in the smoke run). */
  skipped?: string[];
}
