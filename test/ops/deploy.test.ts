import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parseAllDocuments } from 'yaml';
import { environmentSchema, loadConfig } from '../../src/config';
import { buildRuleConfig, defaultRuleConfig } from '../../src/rules/config';
import { ROOT, testApp } from '../helpers';

/** The operations doc, manifests and Dockerfile checked against the code they describe. */

const read = (...parts: string[]) => readFileSync(join(ROOT, ...parts), 'utf8');
const operations = read('docs', 'operations.md');

type Manifest = { kind: string; apiVersion: string; metadata: { name: string; annotations?: Record<string, string> }; [key: string]: any };
const manifests: Manifest[] = readdirSync(join(ROOT, 'deploy'))
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) =>
    parseAllDocuments(read('deploy', f)).map((doc) => {
      expect(doc.errors).toEqual([]);
      return doc.toJS() as Manifest;
    }),
  );
const find = (kind: string, name?: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''} in deploy/`);
  return found;
};

describe('docs/operations.md', () => {
  const variables = Object.keys(environmentSchema.shape);

  test.each(variables)('documents %s in the configuration table', (name) => {
    expect(operations).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });

  test('documents no variable the service does not read', () => {
    const section = operations.split('## Configuration reference')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((name) => !variables.includes(name as string))).toEqual([]);
  });

  test('names every metric the service exports', async () => {
    const { app } = testApp();
    const text = (await request(app).get('/metrics')).text;
    const names = [...new Set([...text.matchAll(/^# TYPE (cds_\w+) /gm)].map((m) => m[1] as string))];
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) expect(operations).toContain(`\`${name}\``);
  });
});

describe('deploy/ manifests', () => {
  const deployment = find('Deployment', 'magnesium-cds');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('kustomization lists every manifest file', () => {
    const kustomization = parseAllDocuments(read('deploy', 'kustomization.yaml'))[0]?.toJS() as { resources: string[] };
    const files = readdirSync(join(ROOT, 'deploy')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  test('probes hit paths the app serves: liveness/startup /healthz, readiness /readyz', async () => {
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.startupProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const { app } = testApp();
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
      expect((await request(app).get(probe.httpGet.path)).status).toBe(200);
      expect(probe.httpGet.port).toBe(container.ports[0].name);
    }
    expect(container.ports[0].containerPort).toBe(3000);
  });

  test('runs as non-root without privilege escalation, read-only root filesystem', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.capabilities.drop).toEqual(['ALL']);
  });

  test('has resource requests, a memory limit and a grace period longer than SHUTDOWN_GRACE_MS', () => {
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
    const config = find('ConfigMap', 'magnesium-cds-config');
    const graceMs = Number(config.data.SHUTDOWN_GRACE_MS);
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(graceMs + preStopSeconds * 1000);
  });

  test('the HPA scales this Deployment on CPU with at least two replicas', () => {
    const hpa = find('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics[0].resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
  });

  test('the Service and the PodDisruptionBudget select the pods', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(find('Service').spec.selector).toEqual(labels);
    expect(find('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(find('Service').spec.ports[0].targetPort).toBe('http');
  });

  test('ConfigMap plus Secret form a valid configuration: 0.0.0.0, PostgreSQL, admin on', () => {
    const config = find('ConfigMap', 'magnesium-cds-config');
    const secret = find('Secret', 'magnesium-cds-secrets');
    for (const name of Object.keys(config.data)) expect(Object.keys(environmentSchema.shape)).toContain(name);
    const fromSecret = Object.fromEntries(
      container.env.map((e: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }) => {
        expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
        return [e.name, secret.stringData[e.valueFrom.secretKeyRef.key]];
      }),
    );
    const parsed = loadConfig({ ...config.data, ...fromSecret });
    expect(parsed.host).toBe('0.0.0.0');
    expect(parsed.env).toBe('production');
    expect(parsed.feedback.databaseUrl).toMatch(/^postgres:\/\//);
    expect(parsed.adminToken).toBeDefined();
    expect(container.envFrom[0].configMapRef.name).toBe(config.metadata.name);
  });

  test('the rule file ConfigMap is mounted where RULES_FILE points and is a valid override', () => {
    const config = find('ConfigMap', 'magnesium-cds-config');
    const rules = find('ConfigMap', 'magnesium-cds-rules');
    const volume = pod.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === rules.metadata.name);
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    const fileName = Object.keys(rules.data)[0] as string;
    expect(config.data.RULES_FILE).toBe(`${mount.mountPath}/${fileName}`);
    const override = parseAllDocuments(rules.data[fileName])[0]?.toJS();
    expect(buildRuleConfig(override).version).toBe(override.version);
    // An override that changes no setting runs the built-in rules, so it must not claim another rule set.
    if (Object.keys(override).length === 1) expect(override.version).toBe(defaultRuleConfig.version);
  });

  test('the Ingress terminates TLS for the host of CDS_PUBLIC_URL and routes only /cds-services to the Service', async () => {
    const ingress = find('Ingress', 'magnesium-cds');
    const publicUrl = new URL(find('ConfigMap', 'magnesium-cds-config').data.CDS_PUBLIC_URL);
    expect(publicUrl.protocol).toBe('https:');
    expect(ingress.spec.tls).toEqual([expect.objectContaining({ hosts: [publicUrl.host] })]);
    expect(ingress.spec.rules.map((r: { host: string }) => r.host)).toEqual([publicUrl.host]);
    const paths = ingress.spec.rules[0].http.paths;
    expect(paths.map((p: { path: string; pathType: string }) => `${p.pathType} ${p.path}`)).toEqual([`Prefix ${publicUrl.pathname.replace(/\/$/, '')}/cds-services`]);
    const service = find('Service', 'magnesium-cds');
    expect(paths[0].backend.service).toEqual({ name: service.metadata.name, port: { name: service.spec.ports[0].name } });
    // The path it routes is the service's discovery endpoint; admin and metrics are not under it.
    const { app } = testApp();
    expect((await request(app).get(paths[0].path)).status).toBe(200);
    expect(paths.some((p: { path: string }) => '/admin/'.startsWith(p.path) || '/metrics'.startsWith(p.path))).toBe(false);
  });

  test('the Ingress accepts bodies as large as BODY_LIMIT_BYTES and limits the inbound rate', () => {
    const annotations = find('Ingress', 'magnesium-cds').metadata.annotations ?? {};
    const size = /^(\d+)m$/.exec(annotations['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '');
    expect(Number(size?.[1]) * 1024 * 1024).toBeGreaterThanOrEqual(loadConfig({}).bodyLimitBytes);
    expect(Number(annotations['nginx.ingress.kubernetes.io/limit-rps'])).toBeGreaterThan(0);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000).toBeGreaterThan(loadConfig({}).server.requestTimeoutMs);
  });

  test('the NetworkPolicy selects the pods, admits only the ingress controller and monitoring on the http port, and lets out DNS, PostgreSQL and HTTPS', () => {
    const policy = find('NetworkPolicy', 'magnesium-cds');
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const namedPort = container.ports[0].name;
    // Prometheus scrapes METRICS_PORT when the ConfigMap sets one, else the http port.
    const metricsPort = find('ConfigMap', 'magnesium-cds-config').data.METRICS_PORT;
    const [fromIngress, fromMonitoring] = policy.spec.ingress;
    expect(fromIngress.from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
    expect(fromIngress.ports).toEqual([{ port: namedPort }]);
    expect(fromMonitoring.from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'monitoring' });
    const metricsContainerPort = container.ports.find((p: { name: string }) => p.name === 'metrics');
    if (metricsPort) expect(metricsContainerPort?.containerPort).toBe(Number(metricsPort));
    expect(fromMonitoring.ports).toEqual([{ port: metricsPort ? 'metrics' : namedPort }]);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(metricsPort ?? String(container.ports[0].containerPort));
    expect(policy.spec.ingress).toHaveLength(2);
    const egressPorts = policy.spec.egress.flatMap((r: { ports: Array<{ port: number }> }) => r.ports.map((p) => p.port)).sort((a: number, b: number) => a - b);
    expect(egressPorts).toEqual([53, 53, 443, 5432]);
  });

  test('the clients file comes from the Secret, read-only', () => {
    const volume = pod.volumes.find((v: { secret?: { secretName: string } }) => v.secret?.secretName === 'magnesium-cds-secrets');
    expect(volume.secret.items).toEqual([{ key: 'clients.json', path: 'clients.json' }]);
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    expect(mount.readOnly).toBe(true);
    expect(() => JSON.parse(find('Secret').stringData['clients.json'])).not.toThrow();
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').filter((l) => !l.trim().startsWith('#'));
  const stages = lines.filter((l) => /^FROM /.test(l));
  const runtime = lines.slice(lines.lastIndexOf(stages.at(-1) as string)).join('\n');

  test('is multi-stage; the runtime stage has production dependencies only and no compilers', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm prune --omit=dev/);
    expect(runtime).not.toMatch(/g\+\+|npm ci|npm install/);
  });

  test('runs as a non-root user, on 0.0.0.0, with a HEALTHCHECK on /healthz', () => {
    expect(runtime).toMatch(/^USER (?!root|0\b)\S+/m);
    expect(runtime.indexOf('USER ')).toBeLessThan(runtime.indexOf('CMD '));
    expect(runtime).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });

  test('starts the entry point the build produces, with the files it reads at run time', () => {
    const cmd = /^CMD \[((?:"[^"]+",? ?)+)\]/m.exec(runtime)?.[1];
    // The image runs the service exactly as `npm start` does (same node flags: the heap cap).
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    expect(cmd && JSON.parse(`[${cmd}]`).join(' ')).toBe(start);
    expect(start).toMatch(/^node (--[a-z-]+(=\d+)? )*dist\/server\.js$/);
    const build = JSON.parse(read('tsconfig.build.json'));
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(ROOT, 'src', 'server.ts'))).toBe(true);
    for (const file of ['cds-services.json', 'src/admin/public', 'package.json']) {
      expect(runtime).toContain(file);
      expect(existsSync(join(ROOT, file))).toBe(true);
    }
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const needed of ['src', 'cds-services.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(needed);
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'test', 'data']));
  });
});
