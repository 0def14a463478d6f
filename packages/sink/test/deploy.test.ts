import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import packageJson from '../package.json' with { type: 'json' };
import { HelmRenderer } from './support/helm-render.js';
import { ROOT } from './support/run-cli.js';

const DEPLOY = join(ROOT, 'deploy');
const CHART = join(DEPLOY, 'helm', 'nexomatic-sink');
const read = (...path: string[]): string => readFileSync(join(...path), 'utf8');
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Deep merge of plain objects, `override` winning. */
function merge(base: Obj, override: Obj): Obj {
  const out: Obj = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = value && typeof value === 'object' && !Array.isArray(value) ? merge(base[key] ?? {}, value as Obj) : value;
  }
  return out;
}

/** Renders one template of the chart as `helm template release-1 deploy/helm/nexomatic-sink` would. */
function render(template: string, overrides: Obj = {}): string {
  const chart = parse(read(CHART, 'Chart.yaml')) as Obj;
  const values = merge(parse(read(CHART, 'values.yaml')) as Obj, overrides);
  const renderer = new HelmRenderer([read(CHART, 'templates', '_helpers.tpl')]);
  return renderer.render(read(CHART, 'templates', template), {
    Values: values,
    Release: { Name: 'release-1', Namespace: 'default', Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  });
}

const WITH_SECRET = { credentials: { clientSecret: 's3cr3t-value' } };

function deployment(overrides: Obj = {}): Obj {
  const doc = parse(render('deployment.yaml', merge(WITH_SECRET, overrides))) as Obj;
  expect(doc.kind).toBe('Deployment');
  expect(doc.apiVersion).toBe('apps/v1');
  return doc;
}

const container = (doc: Obj): Obj => doc.spec.template.spec.containers[0];
const env = (doc: Obj, name: string): Obj | undefined => container(doc).env.find((e: Obj) => e.name === name);

describe('deploy/docker', () => {
  /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
  const instructions = read(DEPLOY, 'docker', 'Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => ({ op: line.split(/\s+/)[0]!.toUpperCase(), args: line.slice(line.indexOf(' ') + 1).trim() }));
  const index = (op: string): number => instructions.findIndex((i) => i.op === op);

  it('builds FROM node:20-slim, installs the sink and python3, and runs it as a non-root user', () => {
    expect(instructions.find((i) => i.op !== 'ARG')).toEqual({ op: 'FROM', args: 'node:20-slim' });
    const runs = instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /apt-get install .*python3/.test(r))).toBe(true);
    expect(runs.some((r) => /npm install --global .*\$\{SINK_PACKAGE\}/.test(r))).toBe(true);
    expect(instructions.some((i) => i.op === 'ARG' && i.args.startsWith('SINK_VERSION'))).toBe(true);

    const users = instructions.filter((i) => i.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(instructions.findLastIndex((i) => i.op === 'USER')).toBeLessThan(index('ENTRYPOINT'));
    expect(index('FROM')).toBeLessThan(index('USER'));
  });

  it('has a HEALTHCHECK running `nexomatic-sink check` and ENTRYPOINT nexomatic-sink run, last', () => {
    const healthcheck = instructions.find((i) => i.op === 'HEALTHCHECK');
    expect(healthcheck?.args).toMatch(/CMD \["nexomatic-sink", "check"/);
    const entrypoint = instructions.find((i) => i.op === 'ENTRYPOINT')!;
    expect(JSON.parse(entrypoint.args)).toEqual(['nexomatic-sink', 'run']);
    expect(index('ENTRYPOINT')).toBe(instructions.length - 1);
  });

  it('has a compose file with env from .env, the modules volume, a restart policy and replicas', () => {
    const compose = parse(read(DEPLOY, 'docker', 'docker-compose.yml')) as Obj;
    const sink = compose.services.sink as Obj;
    expect(sink.env_file).toBe('.env');
    expect(sink.volumes).toContain('./modules:/modules:ro');
    expect(sink.restart).toBe('unless-stopped');
    expect(sink.deploy.replicas).toBeGreaterThan(1);
    expect(sink.stop_grace_period).toBeDefined();
    expect(JSON.stringify(sink)).not.toMatch(/CLIENT_SECRET/);
    expect(read(DEPLOY, 'docker', '.env.example')).toMatch(/^CLIENT_SECRET=$/m);
  });
});

describe('deploy/helm/nexomatic-sink', () => {
  it('has a Chart.yaml and values.yaml that parse, its appVersion the sink version', () => {
    const chart = parse(read(CHART, 'Chart.yaml')) as Obj;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'nexomatic-sink', type: 'application', appVersion: packageJson.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+$/);
    const values = parse(read(CHART, 'values.yaml')) as Obj;
    expect(values).toMatchObject({ replicaCount: 2, credentials: { clientSecret: '' } });
  });

  it('renders every template, and every YAML template parses', () => {
    const templates = readdirSync(join(CHART, 'templates')).filter((name) => !name.startsWith('_'));
    expect(templates.sort()).toEqual(['NOTES.txt', 'deployment.yaml', 'secret.yaml']);
    for (const name of templates) {
      const text = render(name, WITH_SECRET);
      if (name.endsWith('.yaml')) expect(parse(text), name).toBeTypeOf('object');
      else expect(text).toContain('release-1');
    }
  });

  it('renders a Deployment: replicas, image, env, CLIENT_SECRET from the Secret, liveness via check', () => {
    const doc = deployment();
    expect(doc.metadata.name).toBe('release-1-nexomatic-sink');
    expect(doc.spec.replicas).toBe(2);
    expect(doc.spec.selector.matchLabels).toEqual(doc.spec.template.metadata.labels);
    expect(doc.spec.template.spec.terminationGracePeriodSeconds).toBe(300);
    const c = container(doc);
    expect(c.image).toBe(`nexomatic/sink:${packageJson.version}`);
    expect(env(doc, 'HUB_URL')?.value).toBe('http://nexomatic-hub:4000');
    expect(env(doc, 'CLIENT_ID')?.value).toBe('LOCAL:BASE');
    expect(env(doc, 'SINK_CONCURRENCY')?.value).toBe('4');
    expect(env(doc, 'CLIENT_SECRET')?.valueFrom.secretKeyRef).toEqual({ name: 'release-1-nexomatic-sink', key: 'CLIENT_SECRET' });
    expect(env(doc, 'SINK_NAME')?.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(env(doc, 'TENANT_UUID')).toBeUndefined();
    expect(JSON.stringify(doc)).not.toContain('s3cr3t-value');
    expect(c.livenessProbe.exec.command).toEqual(['nexomatic-sink', 'check', '--timeout', '10']);
    expect(c.resources.limits.memory).toBe('1Gi');
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(doc.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(c.volumeMounts.map((m: Obj) => m.mountPath)).toEqual(['/tmp', '/var/lib/nexomatic-sink']);
  });

  it('mounts the modules from a ConfigMap or a PVC, and takes a tenant pin, a name and no probe', () => {
    const fromConfigMap = deployment({ modules: { configMap: 'sink-modules' }, sink: { tenantUuid: 'aa', name: 'edge' }, livenessProbe: { enabled: false } });
    expect(fromConfigMap.spec.template.spec.volumes.at(-1)).toEqual({ name: 'modules', configMap: { name: 'sink-modules' } });
    expect(container(fromConfigMap).volumeMounts.at(-1)).toEqual({ name: 'modules', mountPath: '/modules', readOnly: true });
    expect(env(fromConfigMap, 'TENANT_UUID')?.value).toBe('aa');
    expect(env(fromConfigMap, 'SINK_NAME')?.value).toBe('edge');
    expect(container(fromConfigMap).livenessProbe).toBeUndefined();

    const fromClaim = deployment({ modules: { persistentVolumeClaim: 'sink-modules-pvc' }, replicaCount: 5, sink: { extraEnv: [{ name: 'X', value: 'y' }] } });
    expect(fromClaim.spec.replicas).toBe(5);
    expect(fromClaim.spec.template.spec.volumes.at(-1).persistentVolumeClaim).toEqual({ claimName: 'sink-modules-pvc', readOnly: true });
    expect(env(fromClaim, 'X')?.value).toBe('y');
  });

  it('renders the Secret from credentials.clientSecret, or nothing with an existing Secret', () => {
    const secret = parse(render('secret.yaml', merge(WITH_SECRET, { credentials: { tenantSecret: 'ts' } }))) as Obj;
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'release-1-nexomatic-sink' } });
    expect(secret.stringData).toEqual({ CLIENT_SECRET: 's3cr3t-value', TENANT_SECRET: 'ts' });

    const existing = { credentials: { existingSecret: 'my-sink-credentials' } };
    expect(render('secret.yaml', existing).trim()).toBe('');
    expect(env(deployment(existing), 'CLIENT_SECRET')?.valueFrom.secretKeyRef.name).toBe('my-sink-credentials');
    expect(() => render('secret.yaml')).toThrow(/set credentials.clientSecret, or credentials.existingSecret/);
  });
});
