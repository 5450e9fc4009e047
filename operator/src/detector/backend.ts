/**
 * TensorFlow.js backend choice, made once per process: `@tensorflow/tfjs-node` when it is
 * installed (an optional dependency: native, fastest for large models), otherwise the WASM
 * backend, otherwise the plain JavaScript CPU backend. ALERTIGER_TF_BACKEND=tensorflow|wasm|cpu
 * forces one (and fails loudly if it cannot start). The choice is logged once.
 *
 * For this ~1.5k-parameter model WASM is the fast default: measured on the 2-core dev machine,
 * scoring ran at ~2.5M points/s on WASM against ~160k on CPU, and training ~3x faster
 * (bench/detector-bench.ts prints the current figures).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { AlertigerError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

let chosen: Promise<BackendName> | undefined;
let wasmPathSet = false;

/** The backend a user forces (option or ALERTIGER_TF_BACKEND), if any; throws on an unknown name. */
export function forcedBackend(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(ORDER as readonly string[]).includes(value)) {
    throw new AlertigerError('InvalidBackend', `unknown TensorFlow.js backend "${value}" (use tensorflow, wasm or cpu)`);
  }
  return value as BackendName;
}

async function tryBackend(name: BackendName): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // A variable specifier: the package is optional and absent from the type graph.
      const specifier = '@tensorflow/tfjs-node';
      await import(specifier);
      if (tf.findBackendFactory('tensorflow') === null) return false;
    }
    if (name === 'wasm' && !wasmPathSet) {
      const require = createRequire(import.meta.url);
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      setWasmPaths(dist + path.sep);
      wasmPathSet = true;
    }
    const ok = await tf.setBackend(name);
    if (!ok) return false;
    await tf.ready();
    // A tiny computation proves the backend really runs (WASM compiles lazily).
    const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)).dataSync());
    return probe[0] === 2 && probe[1] === 3;
  } catch {
    return false;
  }
}

/**
 * Selects and initialises the backend (once; later calls return the same choice).
 * `prefer` or ALERTIGER_TF_BACKEND forces a backend.
 */
export function initBackend(options: { prefer?: string; logger?: Logger } = {}): Promise<BackendName> {
  if (chosen === undefined) chosen = choose(options);
  return chosen;
}

async function choose(options: { prefer?: string; logger?: Logger }): Promise<BackendName> {
  // Production mode: skips debug checks and the "install tfjs-node" banner of the CPU backend.
  tf.env().set('PROD', true);
  const logger = options.logger ?? createLogger();
  const forced = forcedBackend(options.prefer ?? process.env.ALERTIGER_TF_BACKEND);
  if (forced !== undefined) {
    if (!(await tryBackend(forced))) {
      throw new AlertigerError('BackendUnavailable', `the TensorFlow.js backend "${forced}" could not be initialised`);
    }
    logger.info('Selected TensorFlow.js backend', { backend: forced, forced: true });
    return forced;
  }
  for (const name of ORDER) {
    if (await tryBackend(name)) {
      logger.info('Selected TensorFlow.js backend', { backend: name });
      return name;
    }
  }
  throw new AlertigerError('BackendUnavailable', 'no TensorFlow.js backend could be initialised');
}

/**
 * Switches the active backend (tests and benchmarks comparing backends). Variables move to the
 * new backend on first use.
 */
export async function switchBackend(name: BackendName): Promise<boolean> {
  await initBackend();
  return tryBackend(name);
}

export function activeBackend(): string {
  return tf.getBackend();
}
