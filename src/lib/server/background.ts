// Work that runs after the response: when how long a request takes would itself reveal
// something (issue 9, finding 15), the revealing part is done once the answer is sent.
// A failure is logged (without the task's data) and never reaches the visitor. Each task is a
// job log line and metric named after its label (`sign-up`, `password reset`; observability.ts).

import { timedJob } from "./observability.ts";
import { SHUTDOWN_ORDER, onShutdown } from "./shutdown.ts";

const pending = new Set<Promise<void>>();

/** Runs `task` after the current request's response is on its way; errors are logged by label. */
export function runInBackground(label: string, task: () => Promise<unknown>): void {
  // A task started by an answered request is part of that request's work: finish it before exiting.
  if (pending.size === 0) onShutdown("work after responses", SHUTDOWN_ORDER.background, settleBackground);
  const run: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => timedJob(label, task))
    .then(
      () => undefined,
      (error: unknown) => {
        console.error(`[background] ${label} failed: ${error instanceof Error ? error.message : String(error)}`);
      },
    )
    .finally(() => pending.delete(run));
  pending.add(run);
}

/** Resolves once every task started so far has finished (tests, shutdown). */
export async function settleBackground(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
