// Graceful shutdown (issue 16 §10). Each part of the site that holds unfinished work — the
// outbox workers, work started after a response, scheduled jobs, the search snapshot —
// registers a hook here; on SIGTERM the site process first stops taking requests and lets the
// ones in flight finish (scripts/serve.ts), then runs the hooks in order, then exits, and only
// then does `npm start` stop PocketBase. The registry lives on globalThis and this module
// imports nothing, so scripts/serve.ts (outside the Astro bundle) and the bundle's own copy
// of this module share one registry.

/** When a hook runs: lower first. Work that writes runs before the snapshot that records it. */
export const SHUTDOWN_ORDER = { schedules: 10, background: 20, workers: 30, save: 40 } as const;

type Hook = { name: string; order: number; run: () => Promise<unknown> };
/** What one hook did at shutdown, for the log line. */
export type ShutdownStep = { name: string; ms: number; error?: string };
type Registry = {
  hooks: Map<string, Hook>;
  /** Set by scripts/serve.ts: it owns the signals and runs the hooks after the server drained. */
  coordinated: boolean;
  signalsInstalled: boolean;
  stopping: boolean;
  running: Promise<ShutdownStep[]> | null;
};

const KEY = Symbol.for("casebook.shutdown");
const globals = globalThis as { [KEY]?: Registry };
globals[KEY] ??= { hooks: new Map(), coordinated: false, signalsInstalled: false, stopping: false, running: null };
const registry: Registry = globals[KEY];

/** Registers (or replaces, by name) work to finish before the process exits. */
export function onShutdown(name: string, order: number, run: () => Promise<unknown>): void {
  registry.hooks.set(name, { name, order, run });
  if (!registry.coordinated) installSignalHandlers();
}

/** True once a shutdown has begun: loops stop taking new work. */
export function isShuttingDown(): boolean {
  return registry.stopping;
}

/** Called by scripts/serve.ts before the bundle loads: the wrapper owns SIGTERM/SIGINT. */
export function coordinateShutdown(): void {
  registry.coordinated = true;
}

/** Marks the process as stopping (before the server has drained). */
export function beginShutdown(): void {
  registry.stopping = true;
}

/**
 * Runs every hook once, in order, each bounded by `hookTimeoutMs` so one stuck part cannot hold
 * the process forever; a failing hook is reported and the others still run.
 */
export function runShutdownHooks(hookTimeoutMs = 20_000): Promise<ShutdownStep[]> {
  registry.stopping = true;
  registry.running ??= (async () => {
    const steps: ShutdownStep[] = [];
    const hooks = [...registry.hooks.values()].sort((a, b) => a.order - b.order);
    for (const hook of hooks) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          hook.run(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`still running after ${hookTimeoutMs} ms`)), hookTimeoutMs);
          }),
        ]);
        steps.push({ name: hook.name, ms: Date.now() - started });
      } catch (error) {
        steps.push({ name: hook.name, ms: Date.now() - started, error: error instanceof Error ? error.message : String(error) });
      } finally {
        clearTimeout(timer);
      }
    }
    return steps;
  })();
  return registry.running;
}

/** Tests only: forgets every hook and the finished run, so a test file can run shutdown again. */
export function resetShutdownForTests(): void {
  registry.hooks.clear();
  registry.stopping = false;
  registry.running = null;
}

// Without scripts/serve.ts (the bundle's entry.mjs started directly) nobody drains the HTTP
// server, but the hooks still run; the signal is then raised again so the process ends the
// way the signal asks.
function installSignalHandlers(): void {
  if (registry.signalsInstalled) return;
  registry.signalsInstalled = true;
  const onSignal = (signal: NodeJS.Signals) => {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    if (registry.coordinated) return;
    const exit = () => process.kill(process.pid, signal);
    setTimeout(exit, 30_000).unref();
    void runShutdownHooks().finally(exit);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** Resolves once none of the scheduled jobs is in the middle of a run (croner's `isBusy`). */
export async function untilIdle(jobs: { isBusy(): boolean }[]): Promise<void> {
  while (jobs.some((job) => job.isBusy())) await new Promise((resolve) => setTimeout(resolve, 100));
}
