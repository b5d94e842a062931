/**
 * deploy/k8s/ without a cluster: `render` builds an overlay as `kubectl kustomize` does for the
 * features these manifests use (and refuses any other, so nothing is skipped silently); `schemaProblems`
 * validates each object with kubernetes-models 4.5 (types, required fields, formats) and, through
 * its TypeScript interfaces, refuses every field Kubernetes does not know; `referenceProblems`
 * checks what refers to what (probes and Services to container ports, selectors to pods, env to
 * ConfigMaps and the Secret, volume mounts to volumes).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  /** Whatever its kind says: the checks read it as the manifests spell it. */
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
};

const KUSTOMIZATION_KEYS = new Set([
  'apiVersion',
  'kind',
  'resources',
  'namespace',
  'configMapGenerator',
  'generatorOptions',
]);
const CLUSTER_SCOPED = new Set(['Namespace']);

export function readManifests(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    const value = doc.toJS();
    return value == null ? [] : [value as K8sObject];
  });
}

/** The objects `kubectl kustomize dir` prints (order aside). */
export function render(dir: string): K8sObject[] {
  const kustomization = readManifests(join(dir, 'kustomization.yaml'))[0] as unknown as {
    resources?: string[];
    namespace?: string;
    configMapGenerator?: { name: string; files: string[] }[];
    generatorOptions?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> };
  };
  const unknown = Object.keys(kustomization).filter((key) => !KUSTOMIZATION_KEYS.has(key));
  if (unknown.length > 0)
    throw new Error(`${dir}/kustomization.yaml: not rendered here: ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    objects.push(...(statSync(path).isDirectory() ? render(path) : readManifests(path)));
  }
  const options = kustomization.generatorOptions ?? {};
  for (const generator of kustomization.configMapGenerator ?? []) {
    // A hashed name would change every reference to it: not rendered here.
    if (!options.disableNameSuffixHash)
      throw new Error(`${dir}: configMapGenerator without disableNameSuffixHash`);
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: generator.name, ...(options.labels ? { labels: options.labels } : {}) },
      data: Object.fromEntries(generator.files.map((f) => [basename(f), readFileSync(join(dir, f), 'utf8')])),
    });
  }
  if (kustomization.namespace) {
    for (const object of objects) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
    }
  }
  return objects;
}

/** The module of an apiVersion in kubernetes-models: `apps/v1` → kubernetes-models/apps/v1, `v1` → …/v1. */
const modelPath = (apiVersion: string) => `kubernetes-models/${apiVersion}`;

/** kubernetes-models' own validation: types, required fields, formats, enums. */
export async function modelProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata?.name}`;
    const module = (await import(modelPath(object.apiVersion)).catch(() => null)) as Record<
      string,
      new (
        data: unknown,
      ) => { validate(): void }
    > | null;
    const Model = module?.[object.kind];
    if (!Model) {
      problems.push(`${where}: no ${object.kind} in ${object.apiVersion}`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Every field must be one the kind has: each object is type-checked as an object literal of its
 * kubernetes-models interface, where TypeScript refuses a property the interface does not declare.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const file = join(import.meta.dirname, '__manifests__.ts');
  const lines = objects.map(
    (o, i) =>
      `import type { I${o.kind} as T${i} } from '${modelPath(o.apiVersion)}/${o.kind}';\nexport const o${i}: T${i} = ${JSON.stringify(o)};`,
  );
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.readFile = (name) => (name === file ? source : read(name));
  host.fileExists = (name) => name === file || exists(name);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) =>
    name === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, onError);
  const program = ts.createProgram([file], options, host);
  const sourceFile = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, sourceFile).map((d) => {
    const line = d.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(d.start).line;
    const object = objects[Math.floor(line / 2)];
    return `${object?.kind}/${object?.metadata?.name}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/** A pod spec as the manifests spell it. */
type PodSpec = any;

function podTemplates(
  objects: K8sObject[],
): { owner: K8sObject; labels: Record<string, string>; spec: PodSpec }[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind))
    .map((o) => ({
      owner: o,
      labels: o.spec?.template?.metadata?.labels ?? {},
      spec: o.spec?.template?.spec ?? {},
    }));
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  selector !== undefined &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** What refers to what, as a cluster would resolve it. `secrets` are the objects applied beside. */
export function referenceProblems(objects: K8sObject[], secrets: K8sObject[] = []): string[] {
  const problems: string[] = [];
  const named = (kind: string, name: string) =>
    [...objects, ...secrets].find((o) => o.kind === kind && o.metadata.name === name);
  const pods = podTemplates(objects);
  for (const { owner, labels, spec } of pods) {
    const where = `${owner.kind}/${owner.metadata.name}`;
    if (!matches(owner.spec?.selector?.matchLabels, labels))
      problems.push(`${where}: its selector does not match its pods`);
    const volumes = new Set((spec.volumes ?? []).map((v: { name: string }) => v.name));
    for (const claim of owner.spec?.volumeClaimTemplates ?? []) volumes.add(claim.metadata.name);
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const at = `${where} container ${container.name}`;
      const ports = (container.ports ?? []) as { name?: string; containerPort: number }[];
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const port = container[probe]?.httpGet?.port ?? container[probe]?.tcpSocket?.port;
        if (port !== undefined && !ports.some((p) => p.name === port || p.containerPort === port))
          problems.push(`${at}: ${probe} on port ${port}, which the container does not expose`);
      }
      for (const mount of container.volumeMounts ?? [])
        if (!volumes.has(mount.name)) problems.push(`${at}: mounts ${mount.name}, which is no volume`);
      for (const from of container.envFrom ?? []) {
        const ref = from.configMapRef?.name;
        if (ref && !named('ConfigMap', ref))
          problems.push(`${at}: envFrom ConfigMap ${ref}, which is not defined`);
      }
      for (const env of container.env ?? []) {
        const secret = env.valueFrom?.secretKeyRef;
        if (secret && named('Secret', secret.name)?.stringData?.[secret.key] === undefined)
          problems.push(
            `${at}: ${env.name} from Secret ${secret.name} key ${secret.key}, which it does not have`,
          );
        const config = env.valueFrom?.configMapKeyRef;
        if (config && named('ConfigMap', config.name)?.data?.[config.key] === undefined)
          problems.push(
            `${at}: ${env.name} from ConfigMap ${config.name} key ${config.key}, which it does not have`,
          );
      }
    }
    for (const volume of spec.volumes ?? []) {
      const ref = volume.configMap?.name;
      if (ref && !named('ConfigMap', ref))
        problems.push(`${where}: volume ${volume.name} from ConfigMap ${ref}, which is not defined`);
    }
  }
  const selected = (selector: Record<string, string> | undefined) =>
    pods.filter((p) => matches(selector, p.labels));
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Service') {
      const targets = selected(object.spec?.selector);
      if (targets.length === 0) problems.push(`${where}: its selector matches no pods`);
      for (const port of object.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const exposed = targets.some(({ spec }) =>
          (spec.containers ?? []).some((c: { ports?: { name?: string; containerPort: number }[] }) =>
            (c.ports ?? []).some((p) => p.name === target || p.containerPort === target),
          ),
        );
        if (targets.length > 0 && !exposed)
          problems.push(`${where}: targetPort ${target} is no container port of its pods`);
      }
    }
    if (object.kind === 'PodDisruptionBudget' || object.kind === 'NetworkPolicy') {
      const selector =
        object.kind === 'NetworkPolicy'
          ? object.spec?.podSelector?.matchLabels
          : object.spec?.selector?.matchLabels;
      if (selected(selector).length === 0) problems.push(`${where}: its selector matches no pods`);
    }
    if (object.kind === 'HorizontalPodAutoscaler') {
      const ref = object.spec?.scaleTargetRef;
      const target = named(ref?.kind, ref?.name);
      if (!target) problems.push(`${where}: scales ${ref?.kind}/${ref?.name}, which is not defined`);
      const cpu = (object.spec?.metrics ?? []).some(
        (m: { resource?: { name: string } }) => m.resource?.name === 'cpu',
      );
      const requested = (target?.spec?.template?.spec?.containers ?? []).every(
        (c: { resources?: { requests?: { cpu?: string } } }) => c.resources?.requests?.cpu,
      );
      if (cpu && !requested)
        problems.push(`${where}: scales on CPU, but ${ref?.name}'s containers request none`);
    }
  }
  return problems;
}

/** Every kustomization directory under `root` that is an entry point (an overlay). */
export function overlays(root: string): string[] {
  const dir = join(root, 'overlays');
  return readdirSync(dir).map((name) => join(dir, name));
}
