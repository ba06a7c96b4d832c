// The site's background work (search and mail outboxes, digests, round-table reminders, session
// sweeping, projection invalidation). Astro standalone has no server-start hook, so the first
// request starts it, whichever path answers it: the middleware or an answer before Astro
// (fastsearch.ts). Each starter runs its work once however often it is called.
import { ensureDigestScheduler } from "./digests.ts";
import { ensureMailWorker } from "./mailoutbox.ts";
import { startProjectionInvalidation } from "./projections.ts";
import { ensureReminderScheduler } from "./roundtables/reminders.ts";
import { ensureSearchWorker } from "./search/outbox.ts";
import { ensureSessionSweeper } from "./session.ts";

/** Starts the process's background work if it is not running yet (cheap once started). */
export function startBackgroundWork(): void {
  ensureSearchWorker();
  ensureMailWorker();
  ensureDigestScheduler();
  ensureReminderScheduler();
  ensureSessionSweeper();
  startProjectionInvalidation();
}
