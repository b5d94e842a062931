/**
 * deploy/k8s/ validated offline: yamllint (Debian's package) over every file, then each overlay
 * rendered and every object checked against the Kubernetes schema of kubernetes-models 4.5 and for
 * what refers to what. A misspelled field and a probe on a port no container exposes must fail.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { drainBudget, ENV_NAMES } from '@parkinglot/cloud';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEPLOY } from './dockerfiles.js';
import {
  type K8sObject,
  modelProblems,
  overlays,
  readManifests,
  referenceProblems,
  render,
  unknownFieldProblems,
} from './k8s.js';

const K8S = join(DEPLOY, 'k8s');
const secret = readManifests(join(K8S, 'secret.example.yaml'));
const rendered = new Map(overlays(K8S).map((dir) => [dir.split('/').at(-1)!, render(dir)]));
const cloudDeployment = (objects: K8sObject[]) =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'parkinglot-cloud')!;

describe('deploy/k8s', () => {
  it('passes yamllint', () => {
    const lint = spawnSync(
      'yamllint',
      [
        '--strict',
        '-c',
        join(K8S, '.yamllint'),
        K8S,
        join(DEPLOY, 'compose.yaml'),
        join(DEPLOY, 'compose.tls.yaml'),
      ],
      {
        encoding: 'utf8',
      },
    );
    if (lint.error)
      throw new Error(`yamllint could not run (apt-get install yamllint): ${lint.error.message}`);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('has the overlays the docs name', () => {
    expect([...rendered.keys()].sort()).toEqual(['existing-services', 'in-cluster']);
  });

  describe.each([...rendered])('overlay %s', (_name, objects) => {
    let unknownFields: string[];
    beforeAll(() => {
      unknownFields = unknownFieldProblems([...objects, ...secret]);
    }, 60_000);

    it('is valid Kubernetes, every field known', async () => {
      expect(await modelProblems([...objects, ...secret])).toEqual([]);
      expect(unknownFields).toEqual([]);
    });

    it('refers only to what it defines', () => {
      expect(referenceProblems(objects, secret)).toEqual([]);
    });

    it('runs the cloud as its settings and its stop require', () => {
      const deployment = cloudDeployment(objects);
      const pod = deployment.spec.template.spec;
      const [cloud] = pod.containers;
      expect(cloud.readinessProbe.httpGet.path).toBe('/readyz');
      expect(cloud.livenessProbe.httpGet.path).toBe('/healthz');
      expect(cloud.resources.requests.cpu).toBeDefined();
      expect(cloud.resources.limits.memory).toBeDefined();
      const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'parkinglot-cloud')!;
      const known = new Set(Object.values(ENV_NAMES));
      for (const name of [
        ...Object.keys(config.data ?? {}),
        ...cloud.env.map((e: { name: string }) => e.name),
      ])
        expect(known, name).toContain(name);
      // The container listens where its probes and Service look.
      expect(config.data?.PARKING_HTTP_PORT).toBe(String(cloud.ports[0].containerPort));
      // The grace period holds the preStop pause and the whole stop.
      const pause = Number(cloud.lifecycle.preStop.exec.command[1]);
      const shutdown = Number.parseInt(config.data?.PARKING_SHUTDOWN_TIMEOUT ?? '', 10);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(pause + shutdown);
      expect(drainBudget({ shutdownTimeout: shutdown * 1000 })).toBeLessThan(shutdown * 1000);
      expect(
        objects.filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind)),
      ).toHaveLength(2);
    });
  });

  it('lets only the cloud reach PostgreSQL', () => {
    const objects = rendered.get('in-cluster')!;
    const policy = objects.find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'parkinglot-postgres',
    )!;
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'parkinglot-postgres' });
    expect(policy.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'parkinglot-cloud' } } }],
        ports: [{ port: 'postgres', protocol: 'TCP' }],
      },
    ]);
    const mosquitto = objects.find(
      (o) => o.kind === 'StatefulSet' && o.metadata.name === 'parkinglot-mosquitto',
    )!;
    expect(mosquitto.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
  });

  it('fails on a misspelled field and on a probe at a port no container exposes', () => {
    const objects = structuredClone(rendered.get('existing-services')!);
    const [cloud] = cloudDeployment(objects).spec.template.spec.containers;
    cloud.imagePullPolcy = cloud.imagePullPolicy;
    cloud.readinessProbe.httpGet.port = 'htp';
    expect(unknownFieldProblems(objects).join('\n')).toMatch(/imagePullPolcy/);
    expect(referenceProblems(objects, secret).join('\n')).toMatch(/readinessProbe on port htp/);
    const typed = structuredClone(rendered.get('existing-services')!);
    cloudDeployment(typed).spec.replicas = 'two';
    return expect(modelProblems(typed)).resolves.toEqual([expect.stringMatching(/replicas/)]);
  }, 60_000);

  it('renders only what it understands', () => {
    expect(() => render(join(DEPLOY, 'test', 'fixtures', 'patched'))).toThrow(/not rendered here: patches/);
  });
});
