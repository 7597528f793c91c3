/**
 * tensor/kernels/wasm/threads — a second core for the big dense kernels: one worker thread running a
 * second instance of the same wasm module on the SAME shared memory, driven through a small control
 * block in that memory with Atomics (no messages, no copies).
 *
 * In Node the worker is a worker_threads Worker (reached through a dynamic import so browser bundles
 * never see it). In a browser it is a Web Worker started from a Blob URL, when the page is
 * cross-origin isolated (the memory is then shared) and has Worker and SharedArrayBuffer; it
 * receives {module, memory, ctlByte} by postMessage. Both programs are generated from one job loop
 * (JOB_LOOP below), so they cannot drift. Otherwise the backend stays single-threaded. The second
 * instantiation re-applies the module's
 * active data segments, which only hold its read-only static data below heapBase (math tables):
 * the same bytes at the same addresses, and the module has no globals, start function or runtime
 * state in memory (checked by test/perf-threads), so it cannot disturb the first instance.
 *
 * Protocol, on the Int32 control block `ctl`: ctl[STATE] is STARTING → IDLE once the worker has
 * instantiated; the main thread writes a job (ctl[OP], ctl[ARGS…]) and moves IDLE → JOB with a
 * compare-exchange, runs its own share, then joins. The worker picks the job up (JOB → RUNNING,
 * compare-exchange), runs it and sets DONE; the join waits (a short spin, then Atomics.wait — or
 * only spinning on a thread that may not block, such as a window's main thread) and moves DONE →
 * IDLE. A job still at JOB PICKUP_MS after its start (the worker was asleep or descheduled) is
 * taken back at the join (JOB → IDLE) and run by the main thread from the same JOBS table. A
 * worker idle for IDLE_MS moves IDLE → GONE itself and exits (so a backend nobody uses, e.g. one
 * left by a finished test file, never pins a thread); the next large kernel then runs
 * single-threaded and starts a fresh worker. The Node worker is unref'd: it never keeps the process
 * alive (Web Workers have no unref; the idle exit frees them). Every split keeps each output
 * element's sequence of operations, so results are bit-identical with and without the thread. When the machine is busy
 * (another process on the second core), the worker answers late; after eight late joins in a row
 * `start` declines jobs for a second (the caller then does all the work), so oversubscription costs
 * about the single-threaded time rather than a scheduler time slice per hand-off.
 */
import { UnsupportedError } from '../../../util/errors.js';

/** Control-block slots (Int32 indices from the block's start). */
const STATE = 0;
const ERROR = 1;
const OP = 2;
const ARGS = 3;
/** Int32 slots in the control block (128 bytes). */
export const CONTROL_INTS = 32;

const GONE = 0;
const IDLE = 1;
const JOB = 2;
const DONE = 3;
const RUNNING = 4;
const STARTING = 5;

/** Job codes. */
export const OP_FORWARD_ROWS = 1;
export const OP_BACKWARD_ROWS = 2;
export const OP_FORWARD_OWN_UNITS = 3;
export const OP_SGD_UNITS = 4;
export const OP_MOMENTUM = 5;
export const OP_ADAM = 6;
export const OP_GATHER = 7;

/**
 * What each job runs: the module exports it calls, in order, each with its arguments as control-block
 * slots (`f5`: slot 5 holds a float32's bits). The worker's job loop is generated from this table,
 * and the main thread runs a job from it when it takes back one the worker has not picked up.
 */
const JOBS: Record<number, readonly { fn: string; args: string }[]> = {
  [OP_FORWARD_ROWS]: [{ fn: 'denseForwardRows', args: '0 1 2 3 4 5 6 7 8 9 10 11 12' }],
  [OP_BACKWARD_ROWS]: [{ fn: 'denseBackwardRows', args: '0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15' }],
  [OP_FORWARD_OWN_UNITS]: [{ fn: 'denseForwardOwnUnits', args: '0 1 2 3 4 5 6 7 8 9 10 11' }],
  [OP_SGD_UNITS]: [{ fn: 'denseSgdUnits', args: '0 1 2 3 4 f5 6 7 8 9 10' }],
  [OP_MOMENTUM]: [{ fn: 'momentumStep', args: '0 1 2 3 f4 f5 f6 7 8' }],
  [OP_ADAM]: [{ fn: 'adamStep', args: '0 1 2 3 4 f5 f6 f7 f8 f9 f10 11 12' }],
  [OP_GATHER]: [{ fn: 'gatherRows', args: '0 1 2 3 4' }],
};

/** The job loop's dispatch, as source: `if (op === 1) { ex.denseForwardRows(a(0), …); } else if …`. */
function dispatchSource(): string {
  const branches = Object.entries(JOBS).map(([op, calls]) => {
    const body = calls.map(({ fn, args }) => {
      const list = args.split(' ').map((t) => (t.startsWith('f') ? `f(${t.slice(1)})` : `a(${t})`)).join(', ');
      return `ex.${fn}(${list});`;
    }).join(' ');
    return `if (op === ${op}) { ${body} }`;
  });
  return `${branches.join(' else ')} else { Atomics.store(ctl, ${ERROR}, 1); }`;
}

const bitsF32 = new Float32Array(1);
const bitsI32 = new Int32Array(bitsF32.buffer);

/** The int32 bit pattern of float32 `v` (how a float argument travels in the int32 control block). */
export function floatBits(v: number): number {
  bitsF32[0] = v;
  return bitsI32[0];
}

/** A worker idle this long exits (ms). */
const IDLE_MS = 5000;
/** How long either side spins on the control word before sleeping in Atomics.wait (ms). */
const SPIN_MS = 1;
/**
 * A join is *late* when the caller waited longer than this (ms) plus half the time its own share
 * took: the worker was not running (another process had the core). After LATE_STRIKES late joins
 * in a row, jobs run single-threaded for PAUSE_MS, so an oversubscribed machine costs about the
 * single-threaded time instead of a scheduler time slice per hand-off.
 */
const LATE_MS = 0.5;
const LATE_STRIKES = 8;
const PAUSE_MS = 1000;
/**
 * A fresh worker's first jobs are slow (measured: waits of 2–3 ms for its first ~100 jobs of a
 * 784 → 256 forward, then ~10 µs), so lateness counts only after this many jobs of each worker.
 */
const WARM_JOBS = 200;
/**
 * A job the worker has not picked up this long after `start` (ms) is taken back by the main thread
 * at its join: a spinning worker picks one up within a microsecond, a sleeping one can take
 * milliseconds to wake.
 */
const PICKUP_MS = 0.02;

/**
 * The worker's job loop, shared by the Node and browser programs: `run(module, memory, ctlByte)`
 * instantiates the module on the shared memory, marks the control word IDLE and serves jobs until
 * it has been idle for IDLE_MS (or the main thread sets GONE); an instantiation failure sets ERROR
 * and GONE, then throws.
 */
const JOB_LOOP = `
function run(module, memory, ctlByte) {
  const ctl = new Int32Array(memory.buffer, ctlByte, ${CONTROL_INTS});
  let ex;
  try {
    ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  } catch (e) {
    Atomics.store(ctl, ${ERROR}, 2);
    Atomics.store(ctl, ${STATE}, ${GONE});
    Atomics.notify(ctl, ${STATE});
    throw e;
  }
  Atomics.compareExchange(ctl, ${STATE}, ${STARTING}, ${IDLE});
  Atomics.notify(ctl, ${STATE});
  const a = (i) => ctl[${ARGS} + i];
  const ctlF = new Float32Array(memory.buffer, ctlByte, ${CONTROL_INTS});
  const f = (i) => ctlF[${ARGS} + i];
  for (;;) {
    let s = Atomics.load(ctl, ${STATE});
    if (s === ${JOB}) {
      // Pick the job up (the main thread may have taken it back meanwhile: then there is none).
      if (Atomics.compareExchange(ctl, ${STATE}, ${JOB}, ${RUNNING}) !== ${JOB}) continue;
      try {
        const op = ctl[${OP}];
        ${dispatchSource()}
      } catch (e) {
        Atomics.store(ctl, ${ERROR}, 1);
      }
      Atomics.store(ctl, ${STATE}, ${DONE});
      Atomics.notify(ctl, ${STATE});
      continue;
    }
    if (s !== ${IDLE} && s !== ${DONE}) break;
    // Spin briefly (the next job of a training step follows within microseconds), then sleep.
    const t0 = performance.now();
    let spins = 0;
    while (Atomics.load(ctl, ${STATE}) === s) {
      if ((++spins & 255) === 0 && performance.now() - t0 > ${SPIN_MS}) break;
    }
    if (Atomics.load(ctl, ${STATE}) !== s) continue;
    const r = Atomics.wait(ctl, ${STATE}, s, ${IDLE_MS});
    if (r === 'timed-out' && Atomics.compareExchange(ctl, ${STATE}, ${IDLE}, ${GONE}) === ${IDLE}) break;
  }
}
`;

/** The Node worker's program (CommonJS, run with eval: no file to resolve in tsx, dist or a bundle). */
const NODE_WORKER_SOURCE = `${JOB_LOOP}
const { workerData } = require('node:worker_threads');
run(workerData.module, workerData.memory, workerData.ctlByte);
`;

/**
 * The browser worker's program (a classic Web Worker from a Blob URL): the first message carries
 * {module, memory, ctlByte}; when the loop ends (idle) it says 'exit' and closes itself.
 */
const BROWSER_WORKER_SOURCE = `${JOB_LOOP}
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, ctlByte } = event.data;
  run(module, memory, ctlByte);
  self.postMessage('exit');
  self.close();
};
`;

/** What a helper worker is started with (a worker_threads workerData, or a Web Worker's first message). */
interface WorkerData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctlByte: number;
}

/** A started helper worker, whichever kind. */
interface HelperWorker {
  terminate(): void;
}

/**
 * Starts a helper worker running the job loop on `data`; `onError` when it fails (it will not run
 * jobs), `onExit` once it has left its loop and exits. May throw when no worker can be started.
 */
type SpawnWorker = (data: WorkerData, onError: () => void, onExit: () => void) => HelperWorker;

/** The part of node:worker_threads' Worker used here. */
interface NodeWorker {
  unref(): void;
  on(event: 'error' | 'exit', listener: (arg: unknown) => void): void;
  terminate(): Promise<number>;
}
type NodeWorkerConstructor = new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;

/** Helper workers from node:worker_threads (eval'd source, unref'd). */
function nodeSpawner(Worker: NodeWorkerConstructor): SpawnWorker {
  return (data, onError, onExit) => {
    const worker = new Worker(NODE_WORKER_SOURCE, { eval: true, workerData: data });
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.unref();
    return { terminate: () => void worker.terminate() };
  };
}

/** The part of the browser's Worker used here. */
interface WebWorker {
  onerror: ((event: { preventDefault(): void }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  postMessage(message: unknown): void;
  terminate(): void;
}
type WebWorkerConstructor = new (url: string) => WebWorker;

/** Helper workers as Web Workers from a Blob URL of BROWSER_WORKER_SOURCE. */
function browserSpawner(Worker: WebWorkerConstructor, url: string): SpawnWorker {
  return (data, onError, onExit) => {
    const worker = new Worker(url);
    worker.onerror = (event) => {
      event.preventDefault(); // handled: the backend goes single-threaded, nothing uncaught to report
      onError();
    };
    worker.onmessage = (event) => {
      if (event.data === 'exit') onExit();
    };
    worker.postMessage(data);
    return { terminate: () => worker.terminate() };
  };
}

/** Whether this thread may block in Atomics.wait (false on a window's main thread, where it throws). */
function canBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, ERROR, -1, 0); // never sleeps: timeout 0
    return true;
  } catch {
    return false;
  }
}

/** One helper thread for the wasm kernels. */
export class WasmThreads {
  readonly #ctl: Int32Array;
  readonly #ctlByte: number;
  readonly #module: WebAssembly.Module;
  readonly #memory: WebAssembly.Memory;
  readonly #spawnWorker: SpawnWorker;
  readonly #exports: WebAssembly.Exports;
  /** Jobs the main thread took back from a worker that had not picked them up in time. */
  #takenBack = 0;
  /** Whether join() may sleep in Atomics.wait; else it only spins. */
  readonly #mayBlock: boolean;
  #worker: HelperWorker | null = null;
  #broken = false;
  #jobs = 0;
  #spawns = 0;
  #started = 0;
  #strikes = 0;
  #pausedUntil = 0;
  #pauses = 0;
  #skipped = 0;
  /** Jobs the current worker has been given. */
  #workerJobs = 0;

  /**
   * @param spawnWorker starts a helper worker (Node's worker_threads or a browser Web Worker)
   * @param module the compiled kernel module (the one the main thread instantiated)
   * @param memory the shared memory both instances use
   * @param ctlByte byte address of CONTROL_INTS int32 words in that memory reserved for the control block
   * @param exports the main thread's instance of the module (to run a job the worker has not picked up)
   */
  constructor(spawnWorker: SpawnWorker, module: WebAssembly.Module, memory: WebAssembly.Memory, ctlByte: number, exports: WebAssembly.Exports) {
    this.#spawnWorker = spawnWorker;
    this.#exports = exports;
    this.#module = module;
    this.#memory = memory;
    this.#ctlByte = ctlByte;
    this.#ctl = new Int32Array(memory.buffer, ctlByte, CONTROL_INTS);
    this.#mayBlock = canBlock(this.#ctl);
    this.#spawn();
  }

  /** Start a worker (state STARTING until it has instantiated). */
  #spawn(): void {
    Atomics.store(this.#ctl, ERROR, 0);
    Atomics.store(this.#ctl, STATE, STARTING);
    try {
      const worker: HelperWorker = this.#spawnWorker(
        { module: this.#module, memory: this.#memory, ctlByte: this.#ctlByte },
        () => {
          this.#broken = true;
          Atomics.store(this.#ctl, STATE, GONE);
        },
        () => {
          if (this.#worker === worker) this.#worker = null;
        },
      );
      this.#worker = worker;
      this.#spawns++;
      this.#workerJobs = 0;
    } catch {
      this.#broken = true;
      Atomics.store(this.#ctl, STATE, GONE);
    }
  }

  /** Whether the helper thread is usable (false once it failed or was closed). */
  get running(): boolean {
    return !this.#broken;
  }

  /**
   * Hand the worker a job (op and up to 29 int32 arguments; a float travels as its `floatBits`) if it is idle; returns false when it is
   * not available (still starting, exited, failed), in which case the caller does all the work.
   * After true, the caller must call `join()`.
   */
  start(op: number, args: readonly number[]): boolean {
    const ctl = this.#ctl;
    if (this.#pausedUntil !== 0) {
      if (performance.now() < this.#pausedUntil) {
        this.#skipped++;
        return false;
      }
      this.#pausedUntil = 0;
    }
    const state = Atomics.load(ctl, STATE);
    if (state !== IDLE) {
      if (state === GONE && !this.#broken && this.#worker === null) this.#spawn();
      return false;
    }
    ctl[OP] = op;
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
    if (Atomics.compareExchange(ctl, STATE, IDLE, JOB) !== IDLE) return false; // it just exited
    Atomics.notify(ctl, STATE);
    this.#jobs++;
    this.#workerJobs++;
    this.#started = performance.now();
    return true;
  }

  /**
   * Wait until the worker has finished the job `start` gave it.
   * @throws UnsupportedError when the worker failed running it
   */
  join(): void {
    const ctl = this.#ctl;
    const t0 = performance.now();
    let spins = 0;
    for (;;) {
      const state = Atomics.load(ctl, STATE);
      if (state === JOB) {
        // Not picked up yet. A spinning worker picks a job up within a microsecond; one asleep
        // (after a pause in the training loop) or descheduled can take milliseconds to wake. Past
        // PICKUP_MS since the start, this thread takes the job back and runs it itself (same
        // kernel, same arguments: the same result).
        if ((++spins & 15) === 0 && performance.now() - this.#started > PICKUP_MS &&
          Atomics.compareExchange(ctl, STATE, JOB, IDLE) === JOB) {
          this.#takenBack++;
          this.#runHere();
          this.#noteJoin(false); // the worker missed one job: no sign yet that the core is taken
          return;
        }
        continue;
      }
      if (state !== RUNNING) break;
      if ((++spins & 255) === 0 && this.#mayBlock && performance.now() - t0 > SPIN_MS) {
        Atomics.wait(ctl, STATE, RUNNING, 1000);
      }
    }
    // Late: waited past LATE_MS plus half the time this thread's own share took.
    this.#noteJoin(spins > 0 && performance.now() - t0 > LATE_MS + 0.5 * (t0 - this.#started));
    const failed = Atomics.load(ctl, ERROR) !== 0;
    Atomics.compareExchange(ctl, STATE, DONE, IDLE);
    if (failed) {
      this.#broken = true;
      this.close();
      throw new UnsupportedError('wasm backend: the helper thread failed running a kernel; threads are now off for this backend');
    }
  }

  /** Run the job in the control block on this thread, from the JOBS table. */
  #runHere(): void {
    const ctl = this.#ctl;
    const ctlF = new Float32Array(ctl.buffer, ctl.byteOffset, CONTROL_INTS);
    const calls = JOBS[ctl[OP]];
    if (!calls) throw new UnsupportedError(`wasm backend: unknown helper job ${ctl[OP]}`);
    for (const { fn, args } of calls) {
      const values = args.split(' ').map((t) => (t.startsWith('f') ? ctlF[ARGS + Number(t.slice(1))] : ctl[ARGS + Number(t)]));
      (this.#exports[fn] as (...a: number[]) => void)(...values);
    }
  }

  /**
   * Count a join toward the pauses: a late one is a strike, any other clears them; eight in a row
   * pause the splits. A fresh worker's first WARM_JOBS jobs do not count.
   */
  #noteJoin(late: boolean): void {
    if (!late || this.#workerJobs <= WARM_JOBS) {
      this.#strikes = 0;
      return;
    }
    if (++this.#strikes >= LATE_STRIKES) {
      this.#strikes = 0;
      this.#pausedUntil = performance.now() + PAUSE_MS;
      this.#pauses++;
    }
  }

  /**
   * Counters for tests and reports: jobs handed to the worker, workers started, pauses after late
   * joins, jobs refused (run single-threaded by the caller) because a pause was on, jobs the main
   * thread took back because the worker had not picked them up; whether the worker is idle (ready)
   * and whether a started job still waits to be picked up.
   */
  stats(): { jobs: number; spawns: number; pauses: number; skipped: number; takenBack: number; ready: boolean; waiting: boolean } {
    const state = Atomics.load(this.#ctl, STATE);
    return {
      jobs: this.#jobs, spawns: this.#spawns, pauses: this.#pauses, skipped: this.#skipped, takenBack: this.#takenBack,
      ready: state === IDLE, waiting: state === JOB,
    };
  }

  /** Resolves once the worker has instantiated (true) or failed (false); polls the control word. */
  async ready(timeoutMs = 10_000): Promise<boolean> {
    const t0 = performance.now();
    for (;;) {
      const s = Atomics.load(this.#ctl, STATE);
      if (s === IDLE) return true;
      if (s === GONE && (this.#broken || this.#worker === null)) return false;
      if (performance.now() - t0 > timeoutMs) return false;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Stop the worker now; later kernels run single-threaded. */
  close(): void {
    this.#broken = true;
    Atomics.store(this.#ctl, STATE, GONE);
    Atomics.notify(this.#ctl, STATE);
    this.#worker?.terminate();
    this.#worker = null;
  }
}

let browserWorkerUrl: string | null = null;

/**
 * Start the helper thread when the runtime allows it: in Node through worker_threads; in a browser
 * as a Web Worker when Worker, Blob URLs and SharedArrayBuffer exist (a cross-origin isolated page
 * or worker), resolving once it has instantiated. Null otherwise (unshared memory, no workers, or a
 * browser worker that failed to start within 10 s): the backend then stays single-threaded.
 */
export async function startWasmThreads(
  module: WebAssembly.Module, memory: WebAssembly.Memory, ctlByte: number, exports: WebAssembly.Exports,
): Promise<WasmThreads | null> {
  if (typeof SharedArrayBuffer === 'undefined' || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  if ((globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
    try {
      const specifier = 'node:worker_threads';
      const wt = (await import(/* @vite-ignore */ specifier)) as { Worker: NodeWorkerConstructor };
      return new WasmThreads(nodeSpawner(wt.Worker), module, memory, ctlByte, exports);
    } catch {
      return null;
    }
  }
  const g = globalThis as { Worker?: WebWorkerConstructor; Blob?: typeof Blob; URL?: typeof URL };
  if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') return null;
  try {
    browserWorkerUrl ??= g.URL.createObjectURL(new g.Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
    const threads = new WasmThreads(browserSpawner(g.Worker, browserWorkerUrl), module, memory, ctlByte, exports);
    if (await threads.ready()) return threads;
    threads.close();
    return null;
  } catch {
    return null;
  }
}

/**
 * Whether the runtime says there are at least two cores to use: Node's availableParallelism (or
 * cpu count), a browser's navigator.hardwareConcurrency.
 */
export async function hasTwoCores(): Promise<boolean> {
  if (!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) {
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
    return typeof cores === 'number' && cores >= 2;
  }
  try {
    const specifier = 'node:os';
    const os = (await import(/* @vite-ignore */ specifier)) as { availableParallelism?: () => number; cpus(): unknown[] };
    return (os.availableParallelism ? os.availableParallelism() : os.cpus().length) >= 2;
  } catch {
    return false;
  }
}
