/**
 * Where the API server is and how the operator authenticates: the in-cluster ServiceAccount, or
 * a kubeconfig file. Static credentials (a token or token file, a client certificate, basic auth)
 * are read here with js-yaml; a kubeconfig user with an `exec` plugin or an `auth-provider` is
 * handed to @kubernetes/client-node's KubeConfig, loaded only then. Why not always KubeConfig:
 * importing it loads every generated API class of client-node, about 70 MB of the operator's
 * resident memory (measured: a bare Node 43 MB, with KubeConfig imported 115 MB), and the
 * operator's requests are plain JSON that need none of them.
 */
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import yaml from 'js-yaml';
import { AlertigerError } from '../errors.js';

/** TLS settings of the connection, as node:https takes them. */
export interface TlsSettings {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

export interface ApiConnection {
  /** https://host:port, no trailing slash. */
  readonly server: string;
  /** Fixed for the connection's life; certificates are read once. */
  tls(): Promise<TlsSettings>;
  /** Authentication headers of the current credentials (a rotated token file is re-read). */
  headers(): Promise<Record<string, string>>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go re-reads a projected token each minute; the kubelet rotates it well before expiry. */
const TOKEN_REREAD_MS = 60_000;

/** The connection a kubeconfig file describes, or the in-cluster one when none is given. */
export async function loadConnection(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ApiConnection> {
  return kubeconfig === undefined ? inClusterConnection(env) : kubeconfigConnection(kubeconfig);
}

/** The Pod's ServiceAccount: token and CA from the mounted volume, the server from the env. */
export function inClusterConnection(env: NodeJS.ProcessEnv, dir = SERVICE_ACCOUNT_DIR, now: () => number = Date.now): ApiConnection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new AlertigerError('InvalidConfig', 'no kubeconfig given and not in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset (pass --kubeconfig or set KUBECONFIG)');
  }
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ca = readFileNamed(join(dir, 'ca.crt'), 'the ServiceAccount CA');
  const token = tokenFile(join(dir, 'token'), now);
  return {
    server,
    tls: () => Promise.resolve({ ca }),
    headers: () => Promise.resolve({ authorization: `Bearer ${token()}` }),
  };
}

/** The parts of a kubeconfig file (client-go's clientcmd v1 format) read here. */
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name: string; cluster?: KubeconfigCluster }[];
  users?: { name: string; user?: KubeconfigUser }[];
}

interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  /** Either makes it a plugin user, handed to client-node. */
  exec?: unknown;
  'auth-provider'?: unknown;
}

/** A kubeconfig file's current context. */
export async function kubeconfigConnection(path: string): Promise<ApiConnection> {
  const file = parseKubeconfig(readFileNamed(path, 'the kubeconfig').toString('utf8'), path);
  const contextName = file['current-context'];
  const context = file.contexts?.find((c) => c.name === contextName)?.context;
  if (!contextName || !context) throw new AlertigerError('InvalidConfig', `kubeconfig ${path}: no current context${contextName ? ` named ${contextName}` : ''}`);
  const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new AlertigerError('InvalidConfig', `kubeconfig ${path}: context ${contextName} names no cluster with a server`);
  if (!cluster.server.startsWith('https:') || cluster['proxy-url']) {
    throw new AlertigerError('InvalidConfig', `the operator talks to the API server over HTTPS without a proxy; the kubeconfig says ${cluster.server}${cluster['proxy-url'] ? ` via ${cluster['proxy-url']}` : ''}`);
  }
  const user = file.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined) return pluginConnection(path);
  const base = dirname(path);
  const fileOrData = (fileKey: string | undefined, data: string | undefined, what: string): Buffer | undefined =>
    data !== undefined ? Buffer.from(data, 'base64') : fileKey !== undefined ? readFileNamed(resolveFrom(base, fileKey), what) : undefined;
  const tls: TlsSettings = {
    ca: fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data'], 'the cluster CA'),
    cert: fileOrData(user['client-certificate'], user['client-certificate-data'], 'the client certificate'),
    key: fileOrData(user['client-key'], user['client-key-data'], 'the client key'),
    ...(cluster['insecure-skip-tls-verify'] === true ? { rejectUnauthorized: false } : {}),
    ...(cluster['tls-server-name'] !== undefined ? { servername: cluster['tls-server-name'] } : {}),
  };
  const token = user.token !== undefined ? () => user.token! : user.tokenFile !== undefined ? tokenFile(resolveFrom(base, user.tokenFile)) : undefined;
  const basic = user.username !== undefined ? `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls: () => Promise.resolve(tls),
    headers: (): Promise<Record<string, string>> => {
      const authorization = token ? `Bearer ${token()}` : basic;
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      return Promise.resolve(headers);
    },
  };
}

function parseKubeconfig(text: string, path: string): KubeconfigFile {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new AlertigerError('InvalidConfig', `kubeconfig ${path} is not YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new AlertigerError('InvalidConfig', `kubeconfig ${path} is not a kubeconfig (no mapping at its top)`);
  return doc as KubeconfigFile;
}

/**
 * Credentials from a plugin (exec, auth-provider): client-node's KubeConfig runs it and caches
 * the token until it expires, so each request asks it again.
 */
async function pluginConnection(path: string): Promise<ApiConnection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, '');
  const options = async (): Promise<{ tls: TlsSettings; headers: Record<string, string> }> => {
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    // Lower-case names, as every other header of a request here.
    const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const tls: TlsSettings = {
      ca: opts.ca as TlsSettings['ca'], cert: opts.cert as TlsSettings['cert'], key: opts.key as TlsSettings['key'],
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
    };
    // Basic auth from a kubeconfig user is set as `auth`, not as a header.
    if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return { tls, headers };
  };
  return { server, tls: async () => (await options()).tls, headers: async () => (await options()).headers };
}

/** A token file read now and again each minute: a projected token rotates under a running Pod. */
function tokenFile(path: string, now: () => number = Date.now): () => string {
  let token = readFileNamed(path, 'the token file').toString('utf8').trim();
  let readAt = now();
  return () => {
    if (now() - readAt >= TOKEN_REREAD_MS) {
      try {
        token = readFileSync(path, 'utf8').trim();
      } catch {
        // Keep the last token: a rotation in progress may briefly remove the file.
      }
      readAt = now();
    }
    return token;
  };
}

function resolveFrom(base: string, file: string): string {
  return isAbsolute(file) ? file : join(base, file);
}

function readFileNamed(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new AlertigerError('InvalidConfig', `cannot read ${what} ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
