import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How one scenario ended. */
export interface ScenarioOutcome {
  name: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why it failed or was skipped. */
  reason?: string;
  seconds: number;
  data?: unknown;
  /** The scenario's Markdown section body. */
  markdown?: string;
}

/** One line of the issue's bar: reported, never asserted. */
export interface BarLine {
  claim: string;
  measured: string;
  /** Null when the run had no number for it (a scenario failed or was skipped). */
  pass: boolean | null;
}

/** A whole benchmark run. */
export interface Report {
  startedAt: string;
  mode: 'full' | 'smoke';
  machine: Record<string, string | number>;
  systems: Record<string, unknown>;
  workload: Record<string, unknown>;
  scenarios: ScenarioOutcome[];
  bar: BarLine[];
}

/** A Markdown table. */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The report as Markdown. */
export function markdown(report: Report): string {
  const out: string[] = [];
  out.push(`# Nexomatic benchmark (${report.mode}), ${report.startedAt}`, '');
  out.push('Numbers are from one run on a shared machine: read ratios, not absolutes.', '');
  out.push('## The bar (reported, not asserted)', '');
  out.push(table(['claim', 'measured', 'result'], report.bar.map((b) => [b.claim, b.measured, b.pass === null ? 'n/a' : b.pass ? 'PASS' : 'FAIL'])), '');
  out.push('## Machine', '', table(['', ''], Object.entries(report.machine)), '');
  out.push('## Systems, versions and settings', '');
  for (const [name, value] of Object.entries(report.systems)) {
    out.push(`- **${name}**: ${typeof value === 'string' ? value : '`' + JSON.stringify(value) + '`'}`);
  }
  out.push('', '## Workload', '', '`' + JSON.stringify(report.workload) + '`', '');
  for (const scenario of report.scenarios) {
    out.push(`## ${scenario.name} (${scenario.status}, ${scenario.seconds} s)`, '');
    if (scenario.reason) out.push(`**${scenario.status === 'skipped' ? 'Skipped' : 'Failed'}:** ${scenario.reason}`, '');
    if (scenario.markdown) out.push(scenario.markdown, '');
  }
  return out.join('\n');
}

/** Writes `results/<timestamp>.json` and `.md` under `dir`; returns their paths. */
export function writeReport(dir: string, report: Report): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const base = join(dir, `${stamp}-${report.mode}`);
  const json = `${base}.json`;
  const md = `${base}.md`;
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(md, markdown(report));
  return { json, md };
}
