/**
 * Finds and loads the kubeconfig the way kubectl (client-go clientcmd) does, validates the
 * part of it that will be used, and hands the result to client-node. kubetriage must talk
 * to the same cluster, as the same user, that `kubectl` would; client-node's own loaders
 * (loadFromDefault, loadFromFile, loadFromCluster) differ from kubectl in several places, and
 * each difference is handled and explained where it is handled below ("client-node:" notes).
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { KubeAccessError } from './errors.ts';

export type KubeConfigSource = 'flag' | 'env' | 'home' | 'in-cluster';

export interface LoadKubeConfigOptions {
  /** `--kubeconfig FILE`: used alone, and it must exist. */
  kubeconfig?: string;
  /** `--context NAME`: must name a context in the loaded config. */
  context?: string;
  /** Where KUBECONFIG, HOME and KUBERNETES_SERVICE_HOST/PORT are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Home directory holding `.kube/config`; env.HOME, then os.homedir(), by default. */
  homeDir?: string;
  /** Prefix for /var/run/secrets/kubernetes.io/serviceaccount; `/` by default. */
  inClusterRoot?: string;
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  source: KubeConfigSource;
  /**
   * Absolute paths of the kubeconfig files that were read, in precedence order (missing
   * KUBECONFIG entries left out); for in-cluster config, the token file and ca.crt.
   */
  files: string[];
  /** Name of the context in use. */
  context: string;
  /** API server URL of that context's cluster, as client-node will use it. */
  server: string;
}

/** Context name for in-cluster config; the same names client-node's loadFromCluster uses. */
export const IN_CLUSTER_CONTEXT = 'inClusterContext';
const IN_CLUSTER_CLUSTER = 'inCluster';
const IN_CLUSTER_USER = 'inClusterUser';
const SERVICE_ACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';

/** auth-provider name under which users with a token file reach tokenFileAuthenticator. */
const TOKEN_FILE_PROVIDER = 'kubetriage-token-file';

type Json = Record<string, unknown>;

/** One named clusters/users/contexts entry, with the file it came from. */
interface Entry {
  name: string;
  /** The inner `cluster:` / `user:` / `context:` mapping. */
  body: Json;
  file: string;
}

interface ParsedFile {
  file: string;
  currentContext: string | undefined;
  clusters: Entry[];
  users: Entry[];
  contexts: Entry[];
}

interface Merged {
  files: string[];
  currentContext: { name: string; file: string } | undefined;
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
}

type InCluster =
  | { ok: true; server: string; tokenFile: string; caFile: string | undefined; namespace: string | undefined }
  | { ok: false; why: string };

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  const inCluster = probeInCluster(env, opts.inClusterRoot ?? '/');

  if (opts.kubeconfig) {
    const file = path.resolve(opts.kubeconfig);
    const parsed = readKubeconfig(file);
    if (!parsed) {
      throw new KubeAccessError(`kubeconfig ${file} (from --kubeconfig) does not exist`, {
        code: 'kubeconfig-missing',
        hint: 'check the --kubeconfig path, or leave the flag out to use KUBECONFIG or ~/.kube/config',
      });
    }
    // kubectl would still try in-cluster config if this file were empty; an explicit file
    // that holds nothing is far more likely a mistake, so it is reported instead.
    return fromKubeconfig('flag', [parsed], opts.context);
  }

  const kubeconfigEnv = env['KUBECONFIG'];
  if (kubeconfigEnv) {
    // client-node: loadFromDefault reads only process.env, throws ENOENT when any listed file
    // is missing (kubectl skips missing files), and does not de-duplicate the list, so
    // naming one file twice fails with "Duplicate cluster".
    const listed = unique(
      kubeconfigEnv
        .split(path.delimiter)
        .filter((p) => p !== '')
        .map((p) => path.resolve(p)),
    );
    const parsed = listed.map(readKubeconfig).filter((p) => p !== undefined);
    if (!isEmptyConfig(parsed)) return fromKubeconfig('env', parsed, opts.context);
    if (inCluster.ok) return fromInCluster(inCluster, opts.context);
    if (parsed.length > 0) return fromKubeconfig('env', parsed, opts.context);
    // Like kubectl, a set KUBECONFIG means ~/.kube/config is not consulted, even when every
    // listed file is missing.
    throw new KubeAccessError(
      `none of the kubeconfig files in KUBECONFIG exist: ${listed.join(', ') || '(empty list)'}; ` +
        `in-cluster config is not available either: ${inCluster.why}`,
      {
        code: 'kubeconfig-missing',
        hint: 'set KUBECONFIG to an existing kubeconfig (or unset it to use ~/.kube/config), or pass --kubeconfig FILE',
      },
    );
  }

  const home = opts.homeDir ?? env['HOME'] ?? os.homedir();
  const homeFile = path.resolve(home, '.kube', 'config');
  const parsed = readKubeconfig(homeFile);
  if (parsed && !isEmptyConfig([parsed])) return fromKubeconfig('home', [parsed], opts.context);
  // kubectl falls back to in-cluster config when no kubeconfig supplies anything.
  // client-node: loadFromDefault checks only the real /var/run/secrets path, ignores
  // KUBERNETES_SERVICE_HOST/PORT when deciding, and when nothing is found at all silently
  // targets http://localhost:8080 (kubectl's ClusterDefaults do the same unless
  // KUBERNETES_MASTER is set); that guess is never the cluster being diagnosed, so here
  // it is an error.
  if (inCluster.ok) return fromInCluster(inCluster, opts.context);
  if (parsed) return fromKubeconfig('home', [parsed], opts.context);
  throw new KubeAccessError(
    `no kubeconfig found: KUBECONFIG is unset and ${homeFile} does not exist; ` +
      `in-cluster config is not available either: ${inCluster.why}`,
    {
      code: 'kubeconfig-missing',
      hint: `pass --kubeconfig FILE, set KUBECONFIG, or create ${homeFile} (kubectl config view shows what kubectl sees)`,
    },
  );
}

function fromKubeconfig(
  source: 'flag' | 'env' | 'home',
  parsed: ParsedFile[],
  contextFlag: string | undefined,
): LoadedKubeConfig {
  const merged = merge(parsed);
  const where = merged.files.join(', ');
  const setBy = source === 'flag' ? '--kubeconfig' : source === 'env' ? 'KUBECONFIG' : 'the default path';

  if (merged.contexts.size === 0) {
    throw new KubeAccessError(`kubeconfig ${where} defines no contexts`, {
      code: 'kubeconfig-invalid',
      hint: `point ${source === 'flag' ? '--kubeconfig' : 'KUBECONFIG'} at a complete kubeconfig, or add a context with kubectl config set-context NAME --cluster=CLUSTER --user=USER`,
    });
  }
  const available = [...merged.contexts.keys()].map((n) => `"${n}"`).join(', ');

  // client-node: setCurrentContext accepts any name; an unknown one only shows up later as
  // getCurrentCluster() === null ("No active cluster!"). kubectl fails at once, as here.
  let name: string;
  let origin: string;
  if (contextFlag) {
    name = contextFlag;
    origin = '--context';
  } else if (merged.currentContext) {
    name = merged.currentContext.name;
    origin = `current-context in ${merged.currentContext.file}`;
  } else {
    throw new KubeAccessError(
      `kubeconfig ${where} sets no current-context and no --context was given; available contexts: ${available}`,
      {
        code: 'context-missing',
        hint: 'pass --context NAME, or pick a default with kubectl config use-context NAME (kubectl config get-contexts lists them)',
      },
    );
  }
  const context = merged.contexts.get(name);
  if (!context) {
    throw new KubeAccessError(
      `context "${name}" (from ${origin}) is not defined in ${where} (read via ${setBy}); available contexts: ${available}`,
      {
        code: 'context-missing',
        hint: 'run kubectl config get-contexts with the same --kubeconfig/KUBECONFIG and pass one of them with --context',
      },
    );
  }

  const clusterName = str(context.body['cluster']);
  if (!clusterName) {
    throw new KubeAccessError(`context "${name}" in ${context.file} names no cluster`, {
      code: 'no-cluster',
      hint: `set one with kubectl config set-context ${name} --cluster=NAME (kubectl config get-clusters lists them)`,
    });
  }
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) {
    throw new KubeAccessError(
      `context "${name}" in ${context.file} refers to cluster "${clusterName}", which is not defined in ${where}`,
      {
        code: 'no-cluster',
        hint: `run kubectl config get-clusters, then fix the context's cluster in ${context.file} or add cluster "${clusterName}"`,
      },
    );
  }
  const rawServer = str(cluster.body['server']);
  if (!rawServer) {
    throw new KubeAccessError(`cluster "${clusterName}" in ${cluster.file} has no server URL`, {
      code: 'no-cluster',
      hint: `set it with kubectl config set-cluster ${clusterName} --server=https://HOST:PORT`,
    });
  }

  // client-node: a context whose user is not defined loads fine and sends requests without
  // credentials (kubectl does the same); the 401/403 that follows would be misdiagnosed as
  // an RBAC problem, so a dangling user reference is reported here. A context with no user
  // at all stays legal: that is how anonymous access is configured.
  const userName = str(context.body['user']);
  const user = userName === undefined ? undefined : merged.users.get(userName);
  if (userName !== undefined && !user) {
    throw new KubeAccessError(
      `context "${name}" in ${context.file} refers to user "${userName}", which is not defined in ${where}`,
      {
        code: 'kubeconfig-invalid',
        hint: `run kubectl config view to see the users, then fix the context's user in ${context.file} or add it with kubectl config set-credentials ${userName}`,
      },
    );
  }

  const server = checkServer(clusterName, cluster, user, rawServer);
  checkReferencedFiles(cluster, user);

  const kc = new KubeConfig();
  // JSON is YAML, so this is client-node's own parsing of the already-merged config.
  // 'filter' drops broken entries that the chosen context does not use: kubectl only
  // validates what it uses, while client-node's default ('throw') rejects the whole file.
  kc.loadFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [...merged.clusters.values()].map((e) => ({
        name: e.name,
        cluster: clusterForClientNode(e, e === cluster ? server : undefined),
      })),
      users: [...merged.users.values()].map((e) => ({ name: e.name, user: userForClientNode(e) })),
      contexts: [...merged.contexts.values()].map((e) => ({ name: e.name, context: withoutNulls(e.body) })),
      'current-context': name,
    }),
    { onInvalidEntry: 'filter' },
  );
  kc.addAuthenticator(tokenFileAuthenticator);

  const loadedServer = kc.getCurrentCluster()?.server;
  if (!loadedServer) {
    // Unreachable unless client-node's entry validation grows stricter than the checks above.
    throw new KubeAccessError(`client-node rejected cluster "${clusterName}" from ${cluster.file}`, {
      code: 'kubeconfig-invalid',
      hint: `check cluster "${clusterName}" with kubectl config view --minify --context ${name}`,
    });
  }
  return { kc, source, files: merged.files, context: name, server: loadedServer };
}

function fromInCluster(ic: InCluster & { ok: true }, contextFlag: string | undefined): LoadedKubeConfig {
  // kubectl quietly ignores --context in a pod without a kubeconfig; asking for a context
  // that cannot exist is reported instead.
  if (contextFlag && contextFlag !== IN_CLUSTER_CONTEXT) {
    throw new KubeAccessError(
      `context "${contextFlag}" does not exist: no kubeconfig was found, so the pod's in-cluster config ` +
        `(context "${IN_CLUSTER_CONTEXT}", server ${ic.server}) is the only one available`,
      {
        code: 'context-missing',
        hint: 'drop --context, or pass --kubeconfig FILE with a kubeconfig that defines it',
      },
    );
  }
  if (!URL.canParse(ic.server)) {
    throw new KubeAccessError(
      `in-cluster server ${ic.server}, built from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, is not a valid URL`,
      { code: 'no-cluster', hint: "check the pod's KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT" },
    );
  }
  // client-node: loadFromCluster reads process.env and the fixed /var/run/secrets path, so it
  // cannot be pointed elsewhere, and it always sets caFile (a missing ca.crt then fails every
  // request, while client-go falls back to the system roots), so the config is built here.
  const kc = new KubeConfig();
  kc.loadFromString(
    JSON.stringify({
      clusters: [
        { name: IN_CLUSTER_CLUSTER, cluster: { server: ic.server, 'certificate-authority': ic.caFile } },
      ],
      users: [
        {
          name: IN_CLUSTER_USER,
          user: { 'auth-provider': { name: TOKEN_FILE_PROVIDER, config: { path: ic.tokenFile } } },
        },
      ],
      contexts: [
        {
          name: IN_CLUSTER_CONTEXT,
          context: { cluster: IN_CLUSTER_CLUSTER, user: IN_CLUSTER_USER, namespace: ic.namespace },
        },
      ],
      'current-context': IN_CLUSTER_CONTEXT,
    }),
  );
  kc.addAuthenticator(tokenFileAuthenticator);
  const files = ic.caFile ? [ic.tokenFile, ic.caFile] : [ic.tokenFile];
  return { kc, source: 'in-cluster', files, context: IN_CLUSTER_CONTEXT, server: ic.server };
}

function probeInCluster(env: NodeJS.ProcessEnv, root: string): InCluster {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) {
    return {
      ok: false,
      why: 'not running in a pod (KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT are unset)',
    };
  }
  const dir = path.join(root, SERVICE_ACCOUNT_DIR);
  const tokenFile = path.join(dir, 'token');
  if (!isFile(tokenFile)) {
    return {
      ok: false,
      why: `KUBERNETES_SERVICE_HOST is set but the service account token ${tokenFile} is missing (automountServiceAccountToken: false?)`,
    };
  }
  const caPath = path.join(dir, 'ca.crt');
  // client-node: loadFromCluster switches to http:// for ports 80, 8080 and 8001; client-go
  // (rest.InClusterConfig) always uses https.
  const hostPart = host.includes(':') ? `[${host}]` : host;
  // client-go prefers POD_NAMESPACE and trims the namespace file; client-node does neither.
  const namespace = env['POD_NAMESPACE'] || readTrimmed(path.join(dir, 'namespace'));
  return {
    ok: true,
    server: `https://${hostPart}:${port}`,
    tokenFile,
    caFile: isFile(caPath) ? caPath : undefined,
    namespace,
  };
}

/** Reads and parses one kubeconfig; undefined when the file does not exist. */
function readKubeconfig(file: string): ParsedFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new KubeAccessError(`cannot read kubeconfig ${file}: ${errorMessage(err)}`, {
      code: 'kubeconfig-invalid',
      hint: `check that ${file} is a readable file (ls -l ${file})`,
      cause: err,
    });
  }
  return parseKubeconfig(text, file);
}

function parseKubeconfig(text: string, file: string): ParsedFile {
  // The failsafe schema keeps every scalar a string. client-node parses with js-yaml's YAML
  // 1.2 schema, which turns `token: 0123` or a context named `2024` into numbers (then
  // name lookups fail) and leaves `insecure-skip-tls-verify: yes` a string that it ignores;
  // kubectl decodes each field by its Go type and accepts YAML 1.1 booleans. Booleans are
  // converted per field below (yamlBool).
  const doc = parseDocument(text, { schema: 'failsafe', prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = syntax.linePos?.[0];
    const at = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    const reason = (syntax.message.split('\n')[0] ?? syntax.message).replace(
      / at line \d+, column \d+:?$/,
      '',
    );
    throw new KubeAccessError(`kubeconfig ${file} is not valid YAML${at}: ${reason}`, {
      code: 'kubeconfig-invalid',
      hint: `fix ${file}${pos ? ` near line ${pos.line}` : ''} (kubectl rejects it too), or point --kubeconfig/KUBECONFIG at another file`,
      cause: syntax,
    });
  }
  const data: unknown = doc.toJS();
  // kubectl treats an empty file as an empty config. client-node: js-yaml returns undefined
  // and loadFromString throws a bare TypeError.
  if (data === null || data === undefined || (typeof data === 'string' && str(data) === undefined)) {
    return { file, currentContext: undefined, clusters: [], users: [], contexts: [] };
  }
  const notKubeconfig = (what: string): KubeAccessError =>
    new KubeAccessError(`${file} is valid YAML but not a kubeconfig: ${what}`, {
      code: 'kubeconfig-invalid',
      hint: 'check that --kubeconfig/KUBECONFIG points at a kubeconfig (kubectl config view --kubeconfig FILE shows how kubectl reads it)',
    });
  if (!isRecord(data)) {
    throw notKubeconfig(`its top level is a ${Array.isArray(data) ? 'list' : 'plain value'}, not a mapping`);
  }
  // client-node: anything that parses is accepted and yields an empty config.
  const kind = str(data['kind']);
  if (kind !== undefined && kind !== 'Config') {
    const apiVersion = str(data['apiVersion']);
    throw notKubeconfig(`it is a ${kind}${apiVersion ? ` (${apiVersion})` : ''}, not kind: Config`);
  }
  if (kind === undefined && !['clusters', 'contexts', 'users', 'current-context'].some((k) => k in data)) {
    throw notKubeconfig('it has no clusters, contexts, users or current-context');
  }
  return {
    file,
    currentContext: str(data['current-context']),
    clusters: entries(data, 'clusters', 'cluster', file),
    users: entries(data, 'users', 'user', file),
    contexts: entries(data, 'contexts', 'context', file),
  };
}

function entries(data: Json, listKey: string, bodyKey: string, file: string): Entry[] {
  const raw = data[listKey];
  if (raw === undefined || (typeof raw === 'string' && str(raw) === undefined)) return [];
  const invalid = (what: string, hint: string): KubeAccessError =>
    new KubeAccessError(`kubeconfig ${file}: ${what}`, { code: 'kubeconfig-invalid', hint });
  if (!Array.isArray(raw)) {
    throw invalid(`${listKey} must be a list of {name, ${bodyKey}} entries`, `fix ${listKey} in ${file}`);
  }
  const out: Entry[] = [];
  const seen = new Set<string>();
  for (const [i, item] of raw.entries()) {
    if (!isRecord(item)) {
      throw invalid(`${listKey}[${i}] is not a mapping`, `fix ${listKey}[${i}] in ${file}`);
    }
    const name = str(item['name']);
    // A nameless entry cannot be referenced; kubectl keys it under "" and never uses it.
    if (name === undefined) continue;
    // kubectl rejects a name defined twice in one file; client-node silently uses the first.
    if (seen.has(name)) {
      throw invalid(
        `${bodyKey} "${name}" is defined twice in ${listKey}`,
        `remove or rename one of the "${name}" entries in ${file}`,
      );
    }
    seen.add(name);
    const body = item[bodyKey];
    out.push({ name, body: isRecord(body) ? body : {}, file });
  }
  return out;
}

/**
 * kubectl's merge: for every named cluster, user and context, and for current-context, the
 * first file that sets it wins, whole entry and all.
 * client-node: mergeConfig lets the LAST file's current-context win (or, with
 * contextFromStartingConfig, keeps the first file's even when it is unset) and throws
 * "Duplicate cluster: NAME" when two files define the same name.
 */
function merge(parsed: ParsedFile[]): Merged {
  const merged: Merged = {
    files: parsed.map((p) => p.file),
    currentContext: undefined,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const p of parsed) {
    if (!merged.currentContext && p.currentContext) {
      merged.currentContext = { name: p.currentContext, file: p.file };
    }
    for (const [list, map] of [
      [p.clusters, merged.clusters],
      [p.users, merged.users],
      [p.contexts, merged.contexts],
    ] as const) {
      for (const e of list) if (!map.has(e.name)) map.set(e.name, e);
    }
  }
  return merged;
}

/** kubectl falls back to in-cluster config when the kubeconfig files supply nothing. */
function isEmptyConfig(parsed: ParsedFile[]): boolean {
  return parsed.every(
    (p) => !p.currentContext && p.clusters.length === 0 && p.users.length === 0 && p.contexts.length === 0,
  );
}

/** Validates the chosen cluster's server and returns it as client-node should use it. */
function checkServer(clusterName: string, cluster: Entry, user: Entry | undefined, raw: string): string {
  const invalid = (why: string): KubeAccessError =>
    new KubeAccessError(`cluster "${clusterName}" in ${cluster.file} has server "${raw}", ${why}`, {
      code: 'kubeconfig-invalid',
      hint: `fix it with kubectl config set-cluster ${clusterName} --server=https://HOST:PORT`,
    });
  let url = tryUrl(raw);
  let server = raw;
  if (!url || url.host === '') {
    // client-go (rest.DefaultServerURL) accepts a bare host:port and picks https when TLS
    // material is configured, else http. client-node passes it on unchanged and every
    // request fails; new URL() even reads "localhost:6443" as scheme "localhost:".
    const tls =
      has(cluster.body, 'certificate-authority', 'certificate-authority-data') ||
      yamlBool(cluster.body['insecure-skip-tls-verify']) === true ||
      (user !== undefined && has(user.body, 'client-certificate', 'client-certificate-data'));
    server = `${tls ? 'https' : 'http'}://${raw}`;
    url = tryUrl(server);
    if (!url || url.host === '') throw invalid('which is not a URL or host:port');
    if (url.pathname !== '/' && url.pathname !== '') throw invalid('which is not a URL or host:port');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(`whose scheme ${url.protocol} is neither https: nor http:`);
  }
  const skip = cluster.body['insecure-skip-tls-verify'];
  if (skip !== undefined && str(skip) !== undefined && yamlBool(skip) === undefined) {
    throw new KubeAccessError(
      `cluster "${clusterName}" in ${cluster.file} has insecure-skip-tls-verify "${String(skip)}", which is not a boolean`,
      {
        code: 'kubeconfig-invalid',
        hint: `set insecure-skip-tls-verify to true or false in ${cluster.file}`,
      },
    );
  }
  return server;
}

/**
 * The files the chosen cluster and user point at must exist. kubectl fails on them before
 * any request; client-node reads them lazily (token-file eagerly, relative to the working
 * directory) and fails with a bare ENOENT.
 */
function checkReferencedFiles(cluster: Entry, user: Entry | undefined): void {
  const refs: [Entry, string][] = [[cluster, 'certificate-authority']];
  if (user) refs.push([user, 'client-certificate'], [user, 'client-key'], [user, 'token-file']);
  for (const [entry, key] of refs) {
    const value = str(entry.body[key]);
    if (value === undefined) continue;
    const file = resolveFrom(entry.file, value);
    if (!isFile(file)) {
      const kind = entry === cluster ? 'cluster' : 'user';
      throw new KubeAccessError(
        `${kind} "${entry.name}" in ${entry.file} points ${key} at ${file}, which does not exist`,
        {
          code: 'kubeconfig-invalid',
          hint: `restore ${file} or fix ${key} of ${kind} "${entry.name}" (relative paths are relative to ${path.dirname(entry.file)})`,
        },
      );
    }
  }
}

function clusterForClientNode(e: Entry, server: string | undefined): Json {
  const body = withoutNulls(e.body);
  if (server) body['server'] = server;
  // Relative paths are relative to the kubeconfig that holds them, as in kubectl.
  // client-node's loadFromFile resolves certificate-authority, client-certificate and
  // client-key the same way, but loadFromString (used on the merged config) does not.
  const ca = str(body['certificate-authority']);
  if (ca) body['certificate-authority'] = resolveFrom(e.file, ca);
  const url = str(body['server']);
  // client-node refuses plain http:// servers unless insecure-skip-tls-verify is set;
  // kubectl talks plain http (kubectl proxy, local test clusters). There is no TLS to verify
  // on http, so setting the flag changes nothing else.
  body['insecure-skip-tls-verify'] =
    url?.startsWith('http://') === true || yamlBool(body['insecure-skip-tls-verify']) === true;
  return body;
}

function userForClientNode(e: Entry): Json {
  const body = withoutNulls(e.body);
  for (const key of ['client-certificate', 'client-key']) {
    const file = str(body[key]);
    if (file) body[key] = resolveFrom(e.file, file);
  }
  // client-go resolves an exec command against the kubeconfig's directory when it contains
  // a path separator (a bare name is looked up on PATH); client-node runs it as written.
  const exec = body['exec'];
  if (isRecord(exec)) {
    const command = str(exec['command']);
    if (command?.includes(path.sep) && !path.isAbsolute(command)) {
      body['exec'] = { ...exec, command: resolveFrom(e.file, command) };
    }
  }
  // client-node reads token-file once, while loading, relative to the working directory,
  // and keeps its trailing newline (an invalid header). client-go resolves it against the
  // kubeconfig, trims it, and re-reads it so rotated tokens keep working. Handing it to
  // tokenFileAuthenticator does the same. (A static `token` next to it still wins in
  // client-node; client-go prefers the file.)
  const tokenFile = str(body['token-file']);
  if (tokenFile) {
    delete body['token-file'];
    if (body['auth-provider'] === undefined && body['exec'] === undefined) {
      body['auth-provider'] = { name: TOKEN_FILE_PROVIDER, config: { path: resolveFrom(e.file, tokenFile) } };
    }
  }
  return body;
}

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

/**
 * Bearer token from a file, read on every request: kubelet rotates projected service
 * account tokens and client-go re-reads the file too. client-node's FileAuth (used by
 * loadFromCluster) does not trim the token and decides when to re-read by the wall clock.
 */
const tokenFileAuthenticator: Authenticator = {
  isAuthProvider: (user) => tokenFilePath(user) !== undefined,
  async applyAuthentication(user, opts) {
    const file = tokenFilePath(user);
    if (!file) return;
    let token: string;
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (err) {
      throw new KubeAccessError(`cannot read the bearer token of user "${user.name}" from ${file}`, {
        code: 'unauthorized',
        hint: `check that ${file} exists and is readable (in a pod: is the service account token mounted?)`,
        cause: err,
      });
    }
    if (!opts.headers) opts.headers = {};
    opts.headers['Authorization'] = `Bearer ${token}`;
  },
};

function tokenFilePath(user: User): string | undefined {
  const provider: unknown = user.authProvider;
  if (!isRecord(provider) || provider['name'] !== TOKEN_FILE_PROVIDER) return undefined;
  const config = provider['config'];
  return isRecord(config) ? str(config['path']) : undefined;
}

const YAML_TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON']);
const YAML_FALSE = new Set(['false', 'False', 'FALSE', 'no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF']);
/** Plain scalars that YAML reads as null; the failsafe schema leaves them as strings. */
const YAML_NULL = new Set(['', '~', 'null', 'Null', 'NULL']);

/** A YAML 1.1 boolean, as kubectl reads one; undefined when absent or not a boolean. */
function yamlBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  if (YAML_TRUE.has(v)) return true;
  if (YAML_FALSE.has(v)) return false;
  return undefined;
}

/** A string field, or undefined when absent, null or not a string. */
function str(v: unknown): string | undefined {
  return typeof v === 'string' && !YAML_NULL.has(v) ? v : undefined;
}

function has(body: Json, ...keys: string[]): boolean {
  return keys.some((k) => str(body[k]) !== undefined);
}

/** A copy without the null-valued top-level fields, so client-node does not see "~" as a path. */
function withoutNulls(body: Json): Json {
  return Object.fromEntries(
    Object.entries(body).filter(([, v]) => typeof v !== 'string' || !YAML_NULL.has(v)),
  );
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveFrom(kubeconfigFile: string, p: string): string {
  return path.isAbsolute(p) ? p : path.join(path.dirname(kubeconfigFile), p);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function readTrimmed(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function tryUrl(s: string): URL | undefined {
  return URL.canParse(s) ? new URL(s) : undefined;
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function errnoCode(err: unknown): string | undefined {
  return isRecord(err) && typeof err['code'] === 'string' ? err['code'] : undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
