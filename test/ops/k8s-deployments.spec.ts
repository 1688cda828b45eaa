import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { coreSchema, loadConfig } from '@app/config';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}

interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}

interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    template: { spec: PodSpec };
    scaleTargetRef: { kind: string; name: string };
    selector: { matchLabels: Record<string, string> };
  };
}

const APPS = ['ingest-api', 'outbox-relay', 'event-store-consumer', 'dispatcher', 'admin-api'];
const repoRoot = join(__dirname, '..', '..');

function render(dir: string): Manifest[] {
  const yaml = execFileSync('kubectl', ['kustomize', dir], { cwd: repoRoot, encoding: 'utf8' });
  return loadAll(yaml) as Manifest[];
}

describe('the example Kubernetes overlay', () => {
  const manifests = render('deploy/k8s/overlays/example');
  const named = (kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);
  const appContainer = (app: string) => named('Deployment', app)!.spec.template.spec.containers[0];

  /** The env value a container sees: its own env wins over the ConfigMaps it loads. */
  const envValue = (container: Container, name: string): string | undefined => {
    const direct = container.env?.find((variable) => variable.name === name)?.value;
    if (direct !== undefined) {
      return direct;
    }
    for (const source of container.envFrom ?? []) {
      const value = named('ConfigMap', source.configMapRef?.name ?? '')?.data?.[name];
      if (value !== undefined) {
        return value;
      }
    }
    return undefined;
  };

  it.each(APPS)('runs %s as a Deployment with a Service and a PodDisruptionBudget', (app) => {
    expect(named('Deployment', app)).toBeDefined();
    expect(named('Service', app)?.spec.selector).toEqual({ 'app.kubernetes.io/name': app });
    expect(named('PodDisruptionBudget', app)?.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': app });
  });

  it.each(APPS)('takes %s out of rotation on /health/ready and restarts it on /health/live', (app) => {
    const container = appContainer(app);
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
  });

  it.each(APPS)('gives %s cpu and memory requests and limits', (app) => {
    const { resources } = appContainer(app);
    expect(Object.keys(resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
  });

  it.each(APPS)('lets %s finish its preStop sleep and drain before it is killed', (app) => {
    const pod = named('Deployment', app)!.spec.template.spec;
    const container = appContainer(app);
    const [command, seconds] = container.lifecycle?.preStop?.exec?.command ?? [];
    expect(command).toBe('sleep');
    const drainMs = loadConfig(coreSchema, {
      SHUTDOWN_TIMEOUT: envValue(container, 'SHUTDOWN_TIMEOUT'),
    }).SHUTDOWN_TIMEOUT;

    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(seconds) + drainMs / 1000);
  });

  it.each(APPS)('runs %s as non-root on a read-only root filesystem', (app) => {
    const container = appContainer(app);
    expect(named('Deployment', app)!.spec.template.spec.securityContext?.runAsNonRoot).toBe(true);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
  });

  it('finds every secret key a pod reads in the Secret it names', () => {
    const pods = manifests.filter((m) => m.kind === 'Deployment' || m.kind === 'Job');
    const references = pods.flatMap((m) =>
      m.spec.template.spec.containers.flatMap((c) => (c.env ?? []).flatMap((e) => e.valueFrom?.secretKeyRef ?? [])),
    );
    expect(references.length).toBeGreaterThan(0);
    for (const { name, key, optional } of references) {
      const secret = named('Secret', name);
      expect(secret).toBeDefined();
      if (!optional) {
        expect(Object.keys(secret!.data ?? {})).toContain(key);
      }
    }
  });

  it.each(['ingest-api', 'event-store-consumer'])('autoscales %s', (app) => {
    expect(named('HorizontalPodAutoscaler', app)?.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: app });
  });

  it('migrates the database with a Job', () => {
    const job = named('Job', 'user-activity-migrate');
    expect(job?.spec.template.spec.containers[0].image).toMatch(/\/migrate:/);
  });
});
