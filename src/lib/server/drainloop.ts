// The in-process loop behind both outboxes (search_outbox, mail_outbox): drain, sleep, repeat.
// A drain that reports a full batch runs again at once; a failing drain (PocketBase or the
// engine/SMTP unreachable) is logged once per outage and retried after a pause. The loop's
// state lives in the caller's per-process object (on globalThis), so a module evaluated twice
// still runs one loop. A drain that did something, and the first failure of an outage, is one
// job log line and metric (`search-outbox`, `mail-outbox`; observability.ts); idle polls are not.
import { recordJob } from "./observability.ts";

/** The part of an outbox's per-process state the loop uses. */
export type DrainLoopState = { running: RunningDrainLoop | null; wake: (() => void) | null };
/** A started loop: stopped on request, `done` once its last drain has finished. */
export type RunningDrainLoop = { stopped: boolean; done: Promise<void> };

/** What one drain did: whether a full batch means more is waiting, and its counts (rows applied, failed…). */
export type DrainOutcome = { more: boolean; counts: Record<string, number> };

/** Starts the loop (no-op when one is running); `drain` resolves null when it did not run (another process holds the outbox). */
export function startDrainLoop(
  state: DrainLoopState,
  options: { label: string; intervalMs: number; errorDelayMs: number; drain: () => Promise<DrainOutcome | null> },
): void {
  if (state.running) return;
  const loop: RunningDrainLoop = { stopped: false, done: Promise.resolve() };
  state.running = loop;
  let reported = false;
  loop.done = (async () => {
    while (!loop.stopped) {
      let delay = options.intervalMs;
      const started = performance.now();
      try {
        const outcome = await options.drain();
        if (outcome?.more) delay = 0;
        if (outcome && Object.values(outcome.counts).some((n) => n > 0)) {
          recordJob(`${options.label}-outbox`, { ok: true, ms: performance.now() - started, details: outcome.counts });
        }
        reported = false;
      } catch (error) {
        // Say so once per outage, not four times a second.
        const message = error instanceof Error ? error.message : String(error);
        if (!reported) {
          console.error(`[${options.label}] outbox worker: ${message}`);
          recordJob(`${options.label}-outbox`, { ok: false, ms: performance.now() - started, error: message });
        }
        reported = true;
        delay = options.errorDelayMs;
      }
      if (!loop.stopped && delay > 0) await sleep(state, delay);
    }
  })();
}

/** Stops the loop and waits for its current drain to finish. */
export async function stopDrainLoop(state: DrainLoopState): Promise<void> {
  const loop = state.running;
  if (!loop) return;
  loop.stopped = true;
  state.wake?.();
  await loop.done;
  if (state.running === loop) state.running = null;
}

// An unref'd timer that stopDrainLoop can cut short: the loop never keeps a process alive.
function sleep(state: DrainLoopState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      state.wake = null;
      resolve();
    }
    state.wake = done;
  });
}
