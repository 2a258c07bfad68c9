/**
 * Tests for loadKubeConfig: kubectl's precedence and merge rules, every validation error with
 * its message and hint, in-cluster config, and that client-node then uses what was loaded.
 * Each case writes its own fixtures into a fresh temp dir and passes env, homeDir and
 * inClusterRoot explicitly, so the machine's own kubeconfig and service account are never read.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { OutgoingHttpHeaders } from 'node:http';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeAccessError, type KubeAccessErrorCode } from './errors.ts';
import {
  IN_CLUSTER_CONTEXT,
  type KubeConfigSource,
  type LoadedKubeConfig,
  type LoadKubeConfigOptions,
  loadKubeConfig,
} from './kubeconfig.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'kubetriage-kubeconfig-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Absolute path of a fixture inside the current case's directory. */
type At = (rel: string) => string;

const SA = 'root/var/run/secrets/kubernetes.io/serviceaccount';

/** Writes the fixtures into a fresh directory. */
async function setup(files: Record<string, string>): Promise<At> {
  const dir = await mkdtemp(path.join(root, 'case-'));
  const at: At = (rel) => path.join(dir, rel);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(at(rel)), { recursive: true });
    await writeFile(at(rel), content);
  }
  return at;
}

/** loadKubeConfig confined to the case directory: no env, home and / inside it. */
function load(at: At, opts: Partial<LoadKubeConfigOptions> = {}): LoadedKubeConfig {
  return loadKubeConfig({ env: {}, homeDir: at('home'), inClusterRoot: at('root'), ...opts });
}

function kubeconfigList(at: At, ...rels: string[]): string {
  return rels.map(at).join(path.delimiter);
}

interface Spec {
  current?: string;
  /** cluster name → server */
  clusters?: Record<string, string>;
  /** user name → bearer token */
  users?: Record<string, string>;
  /** context name → [cluster, user] */
  contexts?: Record<string, [string, string?]>;
}

/** A kubeconfig as kubectl writes one. */
function kubeconfig(spec: Spec): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: Object.entries(spec.clusters ?? {}).map(([name, server]) => ({ name, cluster: { server } })),
    users: Object.entries(spec.users ?? {}).map(([name, token]) => ({ name, user: { token } })),
    contexts: Object.entries(spec.contexts ?? {}).map(([name, [cluster, user]]) => ({
      name,
      context: user ? { cluster, user } : { cluster },
    })),
    ...(spec.current ? { 'current-context': spec.current } : {}),
  });
}

/** One cluster, user and context, all called `name`, made current. */
function single(name: string, server = `https://${name}.example:6443`): string {
  return kubeconfig({
    current: name,
    clusters: { [name]: server },
    users: { [name]: `${name}-token` },
    contexts: { [name]: [name, name] },
  });
}

/** Two contexts, a and b, on clusters a and b; no current-context. */
const twoContextsSpec: Spec = {
  clusters: { a: 'https://a.example:6443', b: 'https://b.example:6443' },
  users: { u: 't' },
  contexts: { a: ['a', 'u'], b: ['b', 'u'] },
};
const twoContexts = kubeconfig(twoContextsSpec);

const inClusterEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
const inClusterFiles = {
  [`${SA}/token`]: 'sa-token',
  [`${SA}/ca.crt`]: 'CA PEM',
  [`${SA}/namespace`]: 'ops\n',
};

// The merge fixtures: both files set current-context and both define cluster "shared".
const mergeFiles = {
  'first.yaml': kubeconfig({
    current: 'first',
    clusters: { shared: 'https://first.example:6443' },
    users: { u1: 't1' },
    contexts: { first: ['shared', 'u1'] },
  }),
  'second.yaml': kubeconfig({
    current: 'second',
    clusters: { shared: 'https://second.example:6443', other: 'https://other.example:6443' },
    users: { u2: 't2' },
    contexts: { second: ['other', 'u2'], 'via-shared': ['shared', 'u2'] },
  }),
};

interface LoadCase {
  name: string;
  files: Record<string, string>;
  opts: (at: At) => Partial<LoadKubeConfigOptions>;
  source: KubeConfigSource;
  /** Fixture paths expected in `files`, relative to the case directory. */
  loaded: string[];
  context: string;
  server: string;
}

const loadCases: LoadCase[] = [
  {
    name: '--kubeconfig wins over KUBECONFIG and ~/.kube/config',
    files: { 'flag.yaml': single('flag'), 'env.yaml': single('env'), 'home/.kube/config': single('home') },
    opts: (at) => ({ kubeconfig: at('flag.yaml'), env: { KUBECONFIG: at('env.yaml') } }),
    source: 'flag',
    loaded: ['flag.yaml'],
    context: 'flag',
    server: 'https://flag.example:6443',
  },
  {
    name: 'KUBECONFIG wins over ~/.kube/config',
    files: { 'env.yaml': single('env'), 'home/.kube/config': single('home') },
    opts: (at) => ({ env: { KUBECONFIG: at('env.yaml') } }),
    source: 'env',
    loaded: ['env.yaml'],
    context: 'env',
    server: 'https://env.example:6443',
  },
  {
    name: '~/.kube/config when neither flag nor KUBECONFIG is set',
    files: { 'home/.kube/config': single('home') },
    opts: () => ({}),
    source: 'home',
    loaded: ['home/.kube/config'],
    context: 'home',
    server: 'https://home.example:6443',
  },
  {
    name: 'an empty KUBECONFIG counts as unset',
    files: { 'home/.kube/config': single('home') },
    opts: () => ({ env: { KUBECONFIG: '' } }),
    source: 'home',
    loaded: ['home/.kube/config'],
    context: 'home',
    server: 'https://home.example:6443',
  },
  {
    name: 'KUBECONFIG merge: the first file wins current-context and the duplicate cluster',
    files: mergeFiles,
    opts: (at) => ({ env: { KUBECONFIG: kubeconfigList(at, 'first.yaml', 'second.yaml') } }),
    source: 'env',
    loaded: ['first.yaml', 'second.yaml'],
    context: 'first',
    server: 'https://first.example:6443',
  },
  {
    name: "KUBECONFIG merge: a second-file context naming a shared cluster gets the first file's cluster",
    files: mergeFiles,
    opts: (at) => ({
      env: { KUBECONFIG: kubeconfigList(at, 'first.yaml', 'second.yaml') },
      context: 'via-shared',
    }),
    source: 'env',
    loaded: ['first.yaml', 'second.yaml'],
    context: 'via-shared',
    server: 'https://first.example:6443',
  },
  {
    name: 'KUBECONFIG merge: entries only in the second file are merged in',
    files: mergeFiles,
    opts: (at) => ({
      env: { KUBECONFIG: kubeconfigList(at, 'first.yaml', 'second.yaml') },
      context: 'second',
    }),
    source: 'env',
    loaded: ['first.yaml', 'second.yaml'],
    context: 'second',
    server: 'https://other.example:6443',
  },
  {
    name: 'KUBECONFIG merge: a later current-context applies when earlier files leave it unset',
    files: {
      'clusters.yaml': kubeconfig({ clusters: { c: 'https://c.example:6443' } }),
      'contexts.yaml': kubeconfig({ current: 'ctx', users: { u: 't' }, contexts: { ctx: ['c', 'u'] } }),
    },
    opts: (at) => ({ env: { KUBECONFIG: kubeconfigList(at, 'clusters.yaml', 'contexts.yaml') } }),
    source: 'env',
    loaded: ['clusters.yaml', 'contexts.yaml'],
    context: 'ctx',
    server: 'https://c.example:6443',
  },
  {
    name: 'missing files in KUBECONFIG are skipped',
    files: { 'a.yaml': single('a') },
    opts: (at) => ({ env: { KUBECONFIG: kubeconfigList(at, 'gone.yaml', 'a.yaml', 'also-gone.yaml') } }),
    source: 'env',
    loaded: ['a.yaml'],
    context: 'a',
    server: 'https://a.example:6443',
  },
  {
    name: 'a file listed twice in KUBECONFIG is read once',
    files: { 'a.yaml': single('a') },
    opts: (at) => ({ env: { KUBECONFIG: kubeconfigList(at, 'a.yaml', 'a.yaml') } }),
    source: 'env',
    loaded: ['a.yaml'],
    context: 'a',
    server: 'https://a.example:6443',
  },
  {
    name: '--context switches away from current-context',
    files: { 'home/.kube/config': kubeconfig({ ...twoContextsSpec, current: 'a' }) },
    opts: () => ({ context: 'b' }),
    source: 'home',
    loaded: ['home/.kube/config'],
    context: 'b',
    server: 'https://b.example:6443',
  },
  {
    name: '--context works when no current-context is set',
    files: { 'home/.kube/config': twoContexts },
    opts: () => ({ context: 'a' }),
    source: 'home',
    loaded: ['home/.kube/config'],
    context: 'a',
    server: 'https://a.example:6443',
  },
  {
    name: 'in-cluster config when KUBECONFIG names only missing files, even though ~/.kube/config exists',
    files: { 'home/.kube/config': single('home'), ...inClusterFiles },
    opts: (at) => ({ env: { KUBECONFIG: at('gone.yaml'), ...inClusterEnv } }),
    source: 'in-cluster',
    loaded: [`${SA}/token`, `${SA}/ca.crt`],
    context: IN_CLUSTER_CONTEXT,
    server: 'https://10.96.0.1:443',
  },
  {
    name: 'in-cluster config when there is no kubeconfig at all',
    files: inClusterFiles,
    opts: () => ({ env: inClusterEnv }),
    source: 'in-cluster',
    loaded: [`${SA}/token`, `${SA}/ca.crt`],
    context: IN_CLUSTER_CONTEXT,
    server: 'https://10.96.0.1:443',
  },
  {
    name: 'in-cluster config when ~/.kube/config is empty',
    files: { 'home/.kube/config': '', ...inClusterFiles },
    opts: () => ({ env: inClusterEnv }),
    source: 'in-cluster',
    loaded: [`${SA}/token`, `${SA}/ca.crt`],
    context: IN_CLUSTER_CONTEXT,
    server: 'https://10.96.0.1:443',
  },
  {
    name: 'a kubeconfig wins over in-cluster config',
    files: { 'home/.kube/config': single('home'), ...inClusterFiles },
    opts: () => ({ env: inClusterEnv }),
    source: 'home',
    loaded: ['home/.kube/config'],
    context: 'home',
    server: 'https://home.example:6443',
  },
  {
    name: 'in-cluster: https even on port 8080, IPv6 host in brackets',
    files: inClusterFiles,
    opts: () => ({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '8080' } }),
    source: 'in-cluster',
    loaded: [`${SA}/token`, `${SA}/ca.crt`],
    context: IN_CLUSTER_CONTEXT,
    server: 'https://[fd00::1]:8080',
  },
  {
    name: 'a bare host:port server becomes https:// when the cluster has a CA',
    files: {
      'a.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { server: '10.0.0.1:6443', 'certificate-authority-data': 'Q0E=' } }],
        contexts: [{ name: 'a', context: { cluster: 'a' } }],
      }),
    },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    source: 'flag',
    loaded: ['a.yaml'],
    context: 'a',
    server: 'https://10.0.0.1:6443',
  },
  {
    name: 'a bare host:port server without TLS material becomes http://',
    files: { 'a.yaml': single('a', 'localhost:8001') },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    source: 'flag',
    loaded: ['a.yaml'],
    context: 'a',
    server: 'http://localhost:8001',
  },
  {
    name: 'a broken cluster the chosen context does not use does not block loading',
    files: {
      'a.yaml': stringify({
        'current-context': 'a',
        clusters: [
          { name: 'a', cluster: { server: 'https://a.example:6443' } },
          { name: 'broken', cluster: { 'certificate-authority': '/nowhere/ca.crt' } },
        ],
        contexts: [{ name: 'a', context: { cluster: 'a' } }],
      }),
    },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    source: 'flag',
    loaded: ['a.yaml'],
    context: 'a',
    server: 'https://a.example:6443',
  },
];

describe('loadKubeConfig: where the config comes from', () => {
  it.each(loadCases)('$name', async (c) => {
    const at = await setup(c.files);
    const loaded = load(at, c.opts(at));
    expect({
      source: loaded.source,
      files: loaded.files,
      context: loaded.context,
      server: loaded.server,
    }).toEqual({ source: c.source, files: c.loaded.map(at), context: c.context, server: c.server });
    // What the caller is told must be what client-node will use.
    expect(loaded.kc.getCurrentContext()).toBe(c.context);
    expect(loaded.kc.getCurrentCluster()?.server).toBe(c.server);
  });
});

interface ErrorCase {
  name: string;
  files: Record<string, string>;
  opts: (at: At) => Partial<LoadKubeConfigOptions>;
  code: KubeAccessErrorCode;
  /** Substrings the message must contain. */
  message: (at: At) => string[];
  hint: RegExp;
}

const notYaml =
  'apiVersion: v1\nkind: Config\nclusters:\n- name: a\n  cluster:\n    server: https://a\n   bad: indent\n';

const errorCases: ErrorCase[] = [
  {
    name: '--kubeconfig file missing',
    files: { 'home/.kube/config': single('home') },
    opts: (at) => ({ kubeconfig: at('nope.yaml') }),
    code: 'kubeconfig-missing',
    message: (at) => [at('nope.yaml'), '--kubeconfig', 'does not exist'],
    hint: /check the --kubeconfig path/,
  },
  {
    name: 'every KUBECONFIG file missing (no fallback to ~/.kube/config)',
    files: { 'home/.kube/config': single('home') },
    opts: (at) => ({ env: { KUBECONFIG: kubeconfigList(at, 'x.yaml', 'y.yaml') } }),
    code: 'kubeconfig-missing',
    message: (at) => [`KUBECONFIG exist: ${at('x.yaml')}, ${at('y.yaml')}`, 'not running in a pod'],
    hint: /set KUBECONFIG to an existing kubeconfig/,
  },
  {
    name: 'no kubeconfig anywhere and not in a pod',
    files: {},
    opts: () => ({}),
    code: 'kubeconfig-missing',
    message: (at) => [at('home/.kube/config'), 'KUBECONFIG is unset', 'not running in a pod'],
    hint: /--kubeconfig FILE, set KUBECONFIG/,
  },
  {
    name: 'no kubeconfig and the pod has no service account token',
    files: {},
    opts: () => ({ env: inClusterEnv }),
    code: 'kubeconfig-missing',
    message: (at) => [at(`${SA}/token`), 'is missing'],
    hint: /--kubeconfig FILE/,
  },
  {
    name: 'YAML syntax error names the file and line',
    files: { 'bad.yaml': notYaml },
    opts: (at) => ({ kubeconfig: at('bad.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [
      at('bad.yaml'),
      'is not valid YAML at line 7',
      'All mapping items must start at the same column',
    ],
    hint: /near line 7/,
  },
  {
    name: 'YAML syntax error in the second KUBECONFIG file',
    files: { 'a.yaml': single('a'), 'bad.yaml': notYaml },
    opts: (at) => ({ env: { KUBECONFIG: kubeconfigList(at, 'a.yaml', 'bad.yaml') } }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('bad.yaml'), 'line 7'],
    hint: /near line 7/,
  },
  {
    name: 'a Kubernetes manifest instead of a kubeconfig',
    files: { 'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n' },
    opts: (at) => ({ kubeconfig: at('deploy.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('deploy.yaml'), 'not a kubeconfig', 'Deployment (apps/v1)'],
    hint: /points at a kubeconfig/,
  },
  {
    name: 'valid YAML without clusters or contexts',
    files: { 'x.yaml': 'foo: bar\n' },
    opts: (at) => ({ kubeconfig: at('x.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('x.yaml'), 'not a kubeconfig', 'no clusters, contexts'],
    hint: /points at a kubeconfig/,
  },
  {
    name: 'a YAML list instead of a mapping',
    files: { 'x.yaml': '- a\n- b\n' },
    opts: (at) => ({ kubeconfig: at('x.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('x.yaml'), 'top level is a list'],
    hint: /points at a kubeconfig/,
  },
  {
    name: 'an empty --kubeconfig file',
    files: { 'empty.yaml': '' },
    opts: (at) => ({ kubeconfig: at('empty.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('empty.yaml'), 'defines no contexts'],
    hint: /--kubeconfig at a complete kubeconfig/,
  },
  {
    name: 'clusters is not a list',
    files: { 'x.yaml': 'clusters: {a: b}\n' },
    opts: (at) => ({ kubeconfig: at('x.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('x.yaml'), 'clusters must be a list'],
    hint: /fix clusters/,
  },
  {
    name: 'the same cluster name twice in one file',
    files: {
      'x.yaml': stringify({
        clusters: [
          { name: 'a', cluster: { server: 'https://a1' } },
          { name: 'a', cluster: { server: 'https://a2' } },
        ],
        contexts: [{ name: 'a', context: { cluster: 'a' } }],
      }),
    },
    opts: (at) => ({ kubeconfig: at('x.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [at('x.yaml'), 'cluster "a" is defined twice'],
    hint: /remove or rename/,
  },
  {
    name: 'current-context unset and no --context',
    files: { 'home/.kube/config': twoContexts },
    opts: () => ({}),
    code: 'context-missing',
    message: (at) => [at('home/.kube/config'), 'no current-context', 'available contexts: "a", "b"'],
    hint: /--context NAME.*kubectl config use-context/,
  },
  {
    name: '--context not found lists the available ones',
    files: { 'home/.kube/config': twoContexts },
    opts: () => ({ context: 'prod' }),
    code: 'context-missing',
    message: (at) => [
      'context "prod" (from --context)',
      at('home/.kube/config'),
      'available contexts: "a", "b"',
    ],
    hint: /kubectl config get-contexts/,
  },
  {
    name: 'current-context names a context that does not exist',
    files: { 'a.yaml': kubeconfig({ ...twoContextsSpec, current: 'ghost' }) },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'context-missing',
    message: (at) => [`context "ghost" (from current-context in ${at('a.yaml')})`, 'available contexts'],
    hint: /kubectl config get-contexts/,
  },
  {
    name: '--context in a pod without a kubeconfig',
    files: inClusterFiles,
    opts: () => ({ env: inClusterEnv, context: 'prod' }),
    code: 'context-missing',
    message: () => ['context "prod"', 'in-cluster', 'https://10.96.0.1:443'],
    hint: /drop --context/,
  },
  {
    name: 'context refers to a cluster that is not defined',
    files: { 'a.yaml': kubeconfig({ current: 'a', users: { u: 't' }, contexts: { a: ['gone', 'u'] } }) },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'no-cluster',
    message: (at) => [`context "a" in ${at('a.yaml')} refers to cluster "gone"`],
    hint: /kubectl config get-clusters/,
  },
  {
    name: 'context without a cluster',
    files: {
      'a.yaml': stringify({ 'current-context': 'a', contexts: [{ name: 'a', context: { user: 'u' } }] }),
    },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'no-cluster',
    message: (at) => [`context "a" in ${at('a.yaml')} names no cluster`],
    hint: /set-context a --cluster=NAME/,
  },
  {
    name: 'cluster without a server',
    files: {
      'a.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { 'certificate-authority-data': 'Q0E=' } }],
        contexts: [{ name: 'a', context: { cluster: 'a' } }],
      }),
    },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'no-cluster',
    message: (at) => [`cluster "a" in ${at('a.yaml')} has no server URL`],
    hint: /set-cluster a --server=/,
  },
  {
    name: 'context refers to a user that is not defined',
    files: {
      'a.yaml': kubeconfig({
        current: 'a',
        clusters: { a: 'https://a.example' },
        contexts: { a: ['a', 'ghost'] },
      }),
    },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [`context "a" in ${at('a.yaml')} refers to user "ghost"`],
    hint: /set-credentials ghost/,
  },
  {
    name: 'server URL that does not parse',
    files: { 'a.yaml': single('a', 'https://bad host:6443') },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [`cluster "a" in ${at('a.yaml')} has server "https://bad host:6443"`, 'not a URL'],
    hint: /set-cluster a --server=https:\/\/HOST:PORT/,
  },
  {
    name: 'server URL with a scheme other than http(s)',
    files: { 'a.yaml': single('a', 'ftp://a.example:6443') },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'kubeconfig-invalid',
    message: () => ['"ftp://a.example:6443"', 'scheme ftp:'],
    hint: /set-cluster a --server=/,
  },
  {
    name: 'insecure-skip-tls-verify that is not a boolean',
    files: {
      'a.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { server: 'https://a', 'insecure-skip-tls-verify': 'maybe' } }],
        contexts: [{ name: 'a', context: { cluster: 'a' } }],
      }),
    },
    opts: (at) => ({ kubeconfig: at('a.yaml') }),
    code: 'kubeconfig-invalid',
    message: () => ['insecure-skip-tls-verify "maybe"', 'not a boolean'],
    hint: /true or false/,
  },
  {
    name: 'user token-file that does not exist (resolved against the kubeconfig directory)',
    files: {
      'cfg/a.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { server: 'https://a' } }],
        users: [{ name: 'u', user: { 'token-file': 'tokens/missing' } }],
        contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }],
      }),
    },
    opts: (at) => ({ kubeconfig: at('cfg/a.yaml') }),
    code: 'kubeconfig-invalid',
    message: (at) => [`user "u" in ${at('cfg/a.yaml')} points token-file at ${at('cfg/tokens/missing')}`],
    hint: /relative paths are relative to/,
  },
];

function catchAccessError(fn: () => unknown): KubeAccessError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KubeAccessError) return err;
    throw err;
  }
  throw new Error('expected a KubeAccessError, but loading succeeded');
}

describe('loadKubeConfig: errors name the object and the next step', () => {
  it.each(errorCases)('$name', async (c) => {
    const at = await setup(c.files);
    const err = catchAccessError(() => load(at, c.opts(at)));
    expect(err.name).toBe('KubeAccessError');
    expect(err.code).toBe(c.code);
    for (const part of c.message(at)) expect(err.message).toContain(part);
    expect(err.hint).toMatch(c.hint);
  });
});

/** Runs client-node's request preparation and returns what it would send. */
async function prepared(loaded: LoadedKubeConfig): Promise<https.RequestOptions> {
  const opts: https.RequestOptions = {};
  await loaded.kc.applyToHTTPSOptions(opts);
  return opts;
}

function header(opts: https.RequestOptions, name: string): unknown {
  const headers = opts.headers;
  if (headers === undefined || isRawHeaderList(headers)) return undefined;
  return headers[name];
}

// Array.isArray does not narrow readonly arrays, and RequestOptions allows a raw header list.
function isRawHeaderList(h: OutgoingHttpHeaders | readonly string[]): h is readonly string[] {
  return Array.isArray(h);
}

describe('loadKubeConfig: client-node uses what was loaded', () => {
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('a bearer token and certificate-authority-data', async () => {
    const at = await setup({
      'home/.kube/config': stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'prod',
        clusters: [
          {
            name: 'prod',
            cluster: {
              server: 'https://api.prod.example:6443/',
              'certificate-authority-data': Buffer.from(caPem).toString('base64'),
            },
          },
        ],
        users: [{ name: 'admin', user: { token: 'abc.def.ghi' } }],
        contexts: [{ name: 'prod', context: { cluster: 'prod', user: 'admin', namespace: 'payments' } }],
      }),
    });
    const loaded = load(at);
    expect(loaded.kc.getCurrentUser()?.token).toBe('abc.def.ghi');
    // client-node drops the trailing slash; `server` reports what client-node will use.
    expect(loaded.kc.getCurrentCluster()?.server).toBe('https://api.prod.example:6443');
    expect(loaded.server).toBe('https://api.prod.example:6443');
    expect(loaded.kc.getContextObject('prod')?.namespace).toBe('payments');
    const opts = await prepared(loaded);
    expect(header(opts, 'Authorization')).toBe('Bearer abc.def.ghi');
    expect(String(opts.ca)).toBe(caPem);
  });

  it('relative certificate paths resolve against the kubeconfig directory, not the working directory', async () => {
    const at = await setup({
      'cfg/pki/ca.crt': caPem,
      'cfg/pki/client.crt': 'CERT',
      'cfg/pki/client.key': 'KEY',
      'cfg/config.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { server: 'https://a', 'certificate-authority': 'pki/ca.crt' } }],
        users: [
          { name: 'u', user: { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key' } },
        ],
        contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }],
      }),
    });
    const loaded = load(at, { kubeconfig: at('cfg/config.yaml') });
    expect(loaded.kc.getCurrentCluster()?.caFile).toBe(at('cfg/pki/ca.crt'));
    expect(loaded.kc.getCurrentUser()?.certFile).toBe(at('cfg/pki/client.crt'));
    const opts = await prepared(loaded);
    expect(String(opts.ca)).toBe(caPem);
    expect(String(opts.cert)).toBe('CERT');
    expect(String(opts.key)).toBe('KEY');
  });

  it('token-file: relative to the kubeconfig, trimmed, and re-read on every request', async () => {
    const at = await setup({
      'cfg/token': 'first-token\n',
      'cfg/config.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { server: 'https://a' } }],
        users: [{ name: 'u', user: { 'token-file': 'token' } }],
        contexts: [{ name: 'a', context: { cluster: 'a', user: 'u' } }],
      }),
    });
    const loaded = load(at, { kubeconfig: at('cfg/config.yaml') });
    expect(header(await prepared(loaded), 'Authorization')).toBe('Bearer first-token');
    await writeFile(at('cfg/token'), 'rotated-token\n');
    expect(header(await prepared(loaded), 'Authorization')).toBe('Bearer rotated-token');
  });

  it('an exec command with a path resolves against the kubeconfig directory; a bare name stays on PATH', async () => {
    const exec = (command: string) => ({
      apiVersion: 'client.authentication.k8s.io/v1',
      command,
      args: ['token'],
    });
    const at = await setup({
      'cfg/config.yaml': stringify({
        'current-context': 'a',
        clusters: [{ name: 'a', cluster: { server: 'https://a' } }],
        users: [
          { name: 'local', user: { exec: exec('./bin/get-token') } },
          { name: 'onpath', user: { exec: exec('aws') } },
        ],
        contexts: [
          { name: 'a', context: { cluster: 'a', user: 'local' } },
          { name: 'b', context: { cluster: 'a', user: 'onpath' } },
        ],
      }),
    });
    const loaded = load(at, { kubeconfig: at('cfg/config.yaml') });
    const local: unknown = loaded.kc.getUser('local')?.exec;
    const onPath: unknown = loaded.kc.getUser('onpath')?.exec;
    expect(local).toMatchObject({ command: at('cfg/bin/get-token'), args: ['token'] });
    expect(onPath).toMatchObject({ command: 'aws' });
  });

  it('in-cluster: token, ca.crt and namespace from the service account directory', async () => {
    const at = await setup({ ...inClusterFiles, [`${SA}/token`]: 'sa-token\n' });
    const loaded = load(at, { env: inClusterEnv });
    expect(loaded.kc.getCurrentCluster()?.caFile).toBe(at(`${SA}/ca.crt`));
    expect(loaded.kc.getContextObject(IN_CLUSTER_CONTEXT)?.namespace).toBe('ops');
    const opts = await prepared(loaded);
    expect(header(opts, 'Authorization')).toBe('Bearer sa-token');
    expect(String(opts.ca)).toBe('CA PEM');
  });

  it('in-cluster: POD_NAMESPACE wins, and a missing ca.crt leaves the system roots in place', async () => {
    const at = await setup({ [`${SA}/token`]: 'sa-token' });
    const loaded = load(at, { env: { ...inClusterEnv, POD_NAMESPACE: 'from-env' } });
    expect(loaded.files).toEqual([at(`${SA}/token`)]);
    expect(loaded.kc.getCurrentCluster()?.caFile).toBeUndefined();
    expect(loaded.kc.getContextObject(IN_CLUSTER_CONTEXT)?.namespace).toBe('from-env');
    expect((await prepared(loaded)).ca).toBeUndefined();
  });

  it('a plain http server is usable (client-node would refuse it without insecure-skip-tls-verify)', async () => {
    const at = await setup({ 'a.yaml': single('a', 'http://127.0.0.1:8001') });
    const loaded = load(at, { kubeconfig: at('a.yaml') });
    const cluster = loaded.kc.getCurrentCluster();
    expect(cluster?.skipTLSVerify).toBe(true);
    expect(() => loaded.kc.createDispatcherOptions(cluster, {})).not.toThrow();
  });

  it('https clusters keep TLS verification on', async () => {
    const at = await setup({ 'a.yaml': single('a') });
    expect(load(at, { kubeconfig: at('a.yaml') }).kc.getCurrentCluster()?.skipTLSVerify).toBe(false);
  });

  it('scalars are read the way kubectl reads them: YAML 1.1 booleans, numeric-looking strings stay strings', async () => {
    const at = await setup({
      'a.yaml': [
        'current-context: 2024',
        'clusters:',
        '- name: 2024',
        '  cluster:',
        '    server: https://a.example:6443',
        '    insecure-skip-tls-verify: yes',
        'users:',
        '- name: u',
        '  user:',
        '    token: 0123',
        'contexts:',
        '- name: 2024',
        '  context:',
        '    cluster: 2024',
        '    user: u',
        '',
      ].join('\n'),
    });
    const loaded = load(at, { kubeconfig: at('a.yaml') });
    expect(loaded.context).toBe('2024');
    expect(loaded.kc.getCurrentUser()?.token).toBe('0123');
    expect(loaded.kc.getCurrentCluster()?.skipTLSVerify).toBe(true);
  });
});
