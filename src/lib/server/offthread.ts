// Work on untrusted input that can take seconds (Markdown with pathological nesting, a PDF
// built to be slow to parse) runs in a worker thread of its own, so the server's thread keeps
// answering everyone else, and is cut off when it runs over its budget. Hand-written rather
// than a pool library: each kind of job needs exactly one thread, one job at a time, a timer
// that counts only the job it guards, a memory cap, and a thread that is replaced when a job
// kills it — a few dozen lines on node:worker_threads.
//
// A module offers a job by calling `serveInThread(tag, handler)` at its top level and running
// it through `threadRunner({ tag, moduleUrl: import.meta.url, … })`: the worker loads that very
// module by its own URL (the built chunk in production, the source file under vitest and
// `astro dev`), so the handler runs with exactly the code the server has.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { ValidationError } from "./errors.ts";

/** What a thread runs: its tag, the module that serves it, and its budget. */
export type ThreadSpec = {
  /** Tells the worker which job its module serves (workerData). */
  tag: string;
  /** The module that calls serveInThread with this tag: its import.meta.url. */
  moduleUrl: string;
  /** Wall time of one job; over it the thread is terminated and the job answers null. */
  timeoutMs: number;
  /**
   * Old-generation heap of the thread; a job that needs more usually dies alone and answers null.
   * Usually: Node enforces it on a best-effort basis — some allocation patterns abort the whole
   * process instead (nodejs/node#47224) — and never counts ArrayBuffers. Not a security boundary.
   */
  memoryMb: number;
  /** Ends the thread after this long without a job (its libraries' memory back); unset: it stays. */
  idleMs?: number;
};

type Request = { id: number; input: unknown };
type Reply = { ready: true } | { id: number; output: unknown } | { id: number; error: string; field?: string };

// Loading a job's libraries is not part of its budget, but a thread that cannot start at all
// must fail the request rather than hang it.
const START_MS = 30_000;

/**
 * A function that runs one job at a time in the thread: resolves with the handler's answer, or
 * null when the job ran over its budget (time, memory, or it crashed the thread, which is then
 * replaced). A ValidationError the handler throws is thrown again here, field and message kept.
 */
export function threadRunner<In, Out>(spec: ThreadSpec): (input: In, transfer?: ArrayBuffer[]) => Promise<Out | null> {
  let queue: Promise<unknown> = Promise.resolve();
  let starting: Promise<Worker> | null = null;
  let current: Worker | null = null;
  let nextId = 1;
  let idle: ReturnType<typeof setTimeout> | null = null;

  const forget = (worker: Worker) => {
    if (current === worker) current = null;
    if (current === null) starting = null;
  };

  const start = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(`import(${JSON.stringify(spec.moduleUrl)});`, {
        eval: true,
        workerData: spec.tag,
        resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
      });
      // Idle, the thread must not keep a CLI (import, reindex) or a test run alive.
      worker.unref();
      // Permanent, so an idle thread that dies is replaced rather than crashing the server.
      worker.on("error", () => forget(worker));
      worker.on("exit", () => forget(worker));
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`The ${spec.tag} thread did not start.`));
      }, START_MS);
      const onExit = (code: number) => {
        clearTimeout(timer);
        reject(new Error(`The ${spec.tag} thread exited (${code}) while starting.`));
      };
      worker.once("exit", onExit);
      worker.once("message", (message: Reply) => {
        clearTimeout(timer);
        worker.off("exit", onExit);
        if ("ready" in message) resolve(worker);
        else reject(new Error(`The ${spec.tag} thread answered before it was ready.`));
      });
    });

  const runOne = async (input: In, transfer: ArrayBuffer[]): Promise<Out | null> => {
    if (!starting) {
      starting = start();
      starting.then((w) => (current = w)).catch(() => (starting = null));
    }
    const worker = await starting;
    current = worker;
    const id = nextId++;
    return new Promise<Out | null>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      // Over time, out of memory or crashed inside the handler: the input is what broke it.
      const overBudget = () => {
        finish();
        forget(worker);
        void worker.terminate();
        resolve(null);
      };
      const onExit = () => overBudget();
      const onMessage = (message: Reply) => {
        if (!("id" in message) || message.id !== id) return;
        finish();
        if ("output" in message) resolve(message.output as Out);
        else reject(message.field === undefined ? new Error(message.error) : new ValidationError(message.field, message.error));
      };
      // This timer also keeps the event loop alive while a job is in flight.
      const timer = setTimeout(overBudget, spec.timeoutMs);
      worker.on("message", onMessage);
      worker.on("exit", onExit);
      worker.postMessage({ id, input } satisfies Request, transfer);
    });
  };

  let pending = 0;
  const rest = () => {
    if (--pending > 0 || spec.idleMs === undefined) return;
    idle = setTimeout(() => {
      const worker = current;
      if (worker && pending === 0) {
        forget(worker);
        void worker.terminate();
      }
    }, spec.idleMs);
    idle.unref();
  };

  return (input, transfer = []) => {
    pending++;
    if (idle) clearTimeout(idle);
    // One job at a time: the thread is one, and a timer must only count the job it guards, not
    // time spent waiting behind another.
    const run = queue.then(() => runOne(input, transfer));
    queue = run.catch(() => undefined);
    run.then(rest, rest);
    return run;
  };
}

/**
 * In the worker thread started for `tag` (and only there), answers each job with the handler.
 * Call at a module's top level; in any other thread it does nothing.
 */
export function serveInThread<In, Out>(tag: string, handle: (input: In) => Out | Promise<Out>, transferOf: (output: Out) => ArrayBuffer[] = () => []): void {
  // Stryker disable all: this runs only in the worker thread, where Stryker cannot switch mutants on
  // (its switch is a global of the test's thread); the tests exercise it through threadRunner.
  if (isMainThread || workerData !== tag || !parentPort) return;
  const port = parentPort;
  port.on("message", async (request: Request) => {
    try {
      const output = await handle(request.input as In);
      port.postMessage({ id: request.id, output } satisfies Reply, transferOf(output));
    } catch (error) {
      const field = error instanceof ValidationError ? error.field : undefined;
      port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error), field } satisfies Reply);
    }
  });
  port.postMessage({ ready: true } satisfies Reply);
  // Stryker restore all
}
