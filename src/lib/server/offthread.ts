// Work on untrusted input that can take seconds or gigabytes (Markdown with pathological
// nesting, a PDF built to be slow or to inflate) runs away from the server's thread, so it keeps
// answering everyone else, and is cut off when it runs over its budget. Hand-written rather than
// a pool library: each kind of job needs exactly one executor, one job at a time, a timer that
// counts only the job it guards, a memory cap, and an executor that is replaced when a job
// kills it — a few dozen lines on node:worker_threads and node:child_process.
//
// Two kinds of executor:
// - a worker thread (threadRunner): cheap to start; its heap cap is Node's best effort only —
//   some allocation patterns abort the whole process instead (nodejs/node#47224), and
//   ArrayBuffers are never counted. For work whose memory is bounded by its input (Markdown).
// - a child process (processRunner): ~0.3 s to start; its resident memory is watched from here
//   (Linux /proc) and the process killed over the cap, so a job that inflates a 1 MB file into
//   gigabytes (measured: a PDF's Flate stream, 3.9 GB) takes down only itself.
//
// A module offers a job by calling `serveInThread(tag, handler)` or `serveInProcess(tag, handler)`
// at its top level and running it through the matching runner with `moduleUrl: import.meta.url`:
// the executor loads that very module by its own URL (the built chunk in production, the source
// file under vitest and `astro dev`), so the handler runs with exactly the code the server has.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { ValidationError } from "./errors.ts";

/** What an executor runs: its tag, the module that serves it, and its budget. */
export type ThreadSpec = {
  /** Tells the executor which job its module serves. */
  tag: string;
  /** The module that serves this tag: its import.meta.url. */
  moduleUrl: string;
  /** Wall time of one job; over it the executor is ended and the job answers null. */
  timeoutMs: number;
  /**
   * Memory of the executor: for a thread its old-generation heap (best effort, see above), for a
   * process its resident set (enforced where /proc exists). Over it the job answers null.
   */
  memoryMb: number;
  /** Ends the executor after this long without a job (its libraries' memory back); unset: it stays. */
  idleMs?: number;
};

type Request = { id: number; input: unknown };
type Reply = { ready: true } | { id: number; output: unknown } | { id: number; error: string; field?: string };

// What the runner needs of a thread or a process.
type Executor = {
  post(request: Request, transfer: ArrayBuffer[]): void;
  stop(): void;
  // An exit listener ignores what it is given (an exit code).
  on(event: "message" | "exit", listener: (reply: Reply) => void): void;
  off(event: "message" | "exit", listener: (reply: Reply) => void): void;
  /** Resident memory in bytes, where the platform tells it (a process on Linux); null otherwise. */
  residentBytes(): number | null;
  onError(listener: () => void): void;
};

// Loading a job's libraries is not part of its budget, but an executor that cannot start at all
// must fail the request rather than hang it.
const START_MS = 30_000;
// How often a process's resident memory is read while it works.
const WATCH_MS = 50;
const PROCESS_TAG_ENV = "CASEBOOK_OFFPROCESS_TAG";

/**
 * Runs one job at a time in a worker thread: resolves with the handler's answer, or null when
 * the job ran over its budget (time, memory, or it crashed the thread, which is then replaced).
 * A ValidationError the handler throws is thrown again here, field and message kept.
 */
export function threadRunner<In, Out>(spec: ThreadSpec): (input: In, transfer?: ArrayBuffer[]) => Promise<Out | null> {
  return runner<In, Out>(spec, () => {
    const worker = new Worker(`import(${JSON.stringify(spec.moduleUrl)});`, {
      eval: true,
      workerData: spec.tag,
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
    });
    // Idle, the thread must not keep a CLI (import, reindex) or a test run alive.
    worker.unref();
    return {
      post: (request, transfer) => worker.postMessage(request, transfer),
      stop: () => void worker.terminate(),
      on: (event, listener) => worker.on(event, listener),
      off: (event, listener) => worker.off(event, listener),
      residentBytes: () => null,
      // Permanent, so an idle thread that dies is replaced rather than crashing the server.
      onError: (listener: () => void) => worker.on("error", listener),
    };
  });
}

/**
 * Runs one job at a time in a child process, as threadRunner does in a thread; the process is
 * killed when its resident memory passes `memoryMb`, and ends with the server (its IPC channel).
 */
export function processRunner<In, Out>(spec: ThreadSpec): (input: In, transfer?: ArrayBuffer[]) => Promise<Out | null> {
  return runner<In, Out>(spec, () => {
    const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", `import(${JSON.stringify(spec.moduleUrl)});`], {
      env: { ...process.env, [PROCESS_TAG_ENV]: spec.tag },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      // Structured clone, so bytes travel as a Uint8Array rather than JSON.
      serialization: "advanced",
    });
    child.unref();
    child.channel?.unref();
    return {
      // A channel closed under a send ends the process: the job then answers null (its exit).
      post: (request) => child.send(request, (error) => error && child.kill("SIGKILL")),
      stop: () => void child.kill("SIGKILL"),
      on: (event, listener) => child.on(event, listener),
      off: (event, listener) => child.off(event, listener),
      residentBytes: () => residentBytes(child.pid),
      onError: (listener: () => void) => child.on("error", listener),
    };
  });
}

// A process's resident set from /proc (Linux; VmRSS is in kB whatever the page size); null where there is none.
function residentBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? null : Number(kb) * 1024;
  } catch {
    return null;
  }
}

function runner<In, Out>(spec: ThreadSpec, launch: () => Executor) {
  let queue: Promise<unknown> = Promise.resolve();
  let starting: Promise<Executor> | null = null;
  let current: Executor | null = null;
  let nextId = 1;
  let idle: ReturnType<typeof setTimeout> | null = null;
  let pending = 0;

  const forget = (executor: Executor) => {
    if (current === executor) current = null;
    if (current === null) starting = null;
  };

  const start = (): Promise<Executor> =>
    new Promise((resolve, reject) => {
      const executor = launch();
      executor.onError(() => forget(executor));
      executor.on("exit", () => forget(executor));
      const timer = setTimeout(() => {
        executor.stop();
        reject(new Error(`The ${spec.tag} executor did not start.`));
      }, START_MS);
      const onExit = () => {
        clearTimeout(timer);
        reject(new Error(`The ${spec.tag} executor ended while starting.`));
      };
      const onReady = (message: Reply) => {
        clearTimeout(timer);
        executor.off("exit", onExit);
        executor.off("message", onReady);
        if ("ready" in message) resolve(executor);
        else reject(new Error(`The ${spec.tag} executor answered before it was ready.`));
      };
      executor.on("exit", onExit);
      executor.on("message", onReady);
    });

  const runOne = async (input: In, transfer: ArrayBuffer[]): Promise<Out | null> => {
    if (!starting) {
      starting = start();
      starting.then((e) => (current = e)).catch(() => (starting = null));
    }
    const executor = await starting;
    current = executor;
    const id = nextId++;
    return new Promise<Out | null>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        clearInterval(watch);
        executor.off("message", onMessage);
        executor.off("exit", onExit);
      };
      // Over time, over memory or crashed inside the handler: the input is what broke it.
      const overBudget = () => {
        finish();
        forget(executor);
        executor.stop();
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
      // Watched only where the executor's memory can be read (a process on Linux); a thread has its heap cap.
      const cap = spec.memoryMb * 1024 * 1024;
      const watch =
        executor.residentBytes() === null
          ? undefined
          : setInterval(() => {
              const bytes = executor.residentBytes();
              if (bytes !== null && bytes > cap) overBudget();
            }, WATCH_MS);
      executor.on("message", onMessage);
      executor.on("exit", onExit);
      executor.post({ id, input }, transfer);
    });
  };

  const rest = () => {
    if (--pending > 0 || spec.idleMs === undefined) return;
    idle = setTimeout(() => {
      const executor = current;
      if (executor && pending === 0) {
        forget(executor);
        executor.stop();
      }
    }, spec.idleMs);
    idle.unref();
  };

  return (input: In, transfer: ArrayBuffer[] = []): Promise<Out | null> => {
    pending++;
    if (idle) clearTimeout(idle);
    // One job at a time: the executor is one, and a timer must only count the job it guards, not
    // time spent waiting behind another.
    const run = queue.then(() => runOne(input, transfer));
    queue = run.catch(() => undefined);
    run.then(rest, rest);
    return run;
  };
}

// Answers each job with the handler, replies through `send`.
async function answer<In, Out>(request: Request, handle: (input: In) => Out | Promise<Out>, send: (reply: Reply, output?: Out) => void): Promise<void> {
  try {
    const output = await handle(request.input as In);
    send({ id: request.id, output }, output);
  } catch (error) {
    const field = error instanceof ValidationError ? error.field : undefined;
    send({ id: request.id, error: error instanceof Error ? error.message : String(error), field });
  }
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
  port.on("message", (request: Request) => answer(request, handle, (reply, output) => port.postMessage(reply, output === undefined ? [] : transferOf(output))));
  port.postMessage({ ready: true } satisfies Reply);
  // Stryker restore all
}

/**
 * In the child process started for `tag` (and only there), answers each job with the handler;
 * the process ends when the server does (its IPC channel closes). Call at a module's top level.
 */
export function serveInProcess<In, Out>(tag: string, handle: (input: In) => Out | Promise<Out>): void {
  // Stryker disable all: this runs only in the child process; the tests exercise it through processRunner.
  if (process.env[PROCESS_TAG_ENV] !== tag || !process.send) return;
  const send = process.send.bind(process);
  process.on("message", (request: Request) => answer(request, handle, (reply) => send(reply)));
  process.on("disconnect", () => process.exit(0));
  send({ ready: true } satisfies Reply);
  // Stryker restore all
}
