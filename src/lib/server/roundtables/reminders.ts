// Session reminders (issue 14 §3): the day before a session, each attendee named by an accepting
// organisation (and the member who created the round table) gets a notice and a mail, once. An
// hourly croner run (as digests.ts schedules) picks sessions starting within the next 24 hours
// whose reminder_sent_at is empty; the stamp and the notices go in one batch, so a run that
// stops midway leaves each session either reminded and stamped, or neither.
import { Cron } from "croner";
import type { RecordModel } from "pocketbase";
import type { Locale } from "../../../i18n/index.ts";
import { prepareNotices, type PlannedNotice, writeNotices } from "../notify.ts";
import { getPocketBase } from "../pocketbase.ts";
import { formatSessionSpan } from "./time.ts";
import { claimPeriod } from "../leases.ts";
import { SHUTDOWN_ORDER, onShutdown, untilIdle } from "../shutdown.ts";
import { recordJob } from "../observability.ts";

/** How long before a session its reminder goes. */
export const REMINDER_LEAD_MS = 24 * 60 * 60 * 1000;
/** Every hour, on the hour. */
export const REMINDER_SCHEDULE = "0 * * * *";

const STATE = Symbol.for("casebook.roundtable-reminders");
const globals = globalThis as { [STATE]?: { running: Promise<ReminderRunResult> | null; job: Cron | null; ensured: boolean } };
globals[STATE] ??= { running: null, job: null, ensured: false };
const state = globals[STATE];

/** What one run did. */
export type ReminderRunResult = { sessions: number; notices: number };

/** Sends the due reminders at `at` (tests pass the instant they need); one run at a time in this process. */
export async function runSessionReminders(at: Date = new Date()): Promise<ReminderRunResult> {
  while (state.running) await state.running.catch(() => undefined);
  const run = runOnce(at);
  state.running = run;
  try {
    return await run;
  } finally {
    state.running = null;
  }
}

async function runOnce(at: Date): Promise<ReminderRunResult> {
  const pb = await getPocketBase();
  const due = await pb.collection("round_table_sessions").getFullList({
    filter: pb.filter("reminder_sent_at = '' && starts_at > {:now} && starts_at <= {:until} && round_table.status != 'closed'", {
      now: at,
      until: new Date(at.getTime() + REMINDER_LEAD_MS),
    }),
    expand: "round_table",
    sort: "starts_at",
  });
  const result: ReminderRunResult = { sessions: 0, notices: 0 };
  for (const session of due) {
    const table = session.expand?.round_table as RecordModel | undefined;
    if (!table) continue;
    const accepted = await pb
      .collection("round_table_participants")
      .getFullList({ filter: pb.filter("round_table = {:t} && status = 'accepted'", { t: table.id }), fields: "attendees" });
    const people = [
      ...new Set([String(table.created_by ?? ""), ...accepted.flatMap((p) => (Array.isArray(p.attendees) ? (p.attendees as string[]) : []))]),
    ].filter(Boolean);
    const start = new Date(String(session.starts_at).replace(" ", "T"));
    const end = new Date(String(session.ends_at).replace(" ", "T"));
    const zone = String(session.time_zone || "Europe/Brussels");
    const notices: PlannedNotice[] = [];
    for (const userId of people) {
      notices.push(
        ...(await prepareNotices("roundtable_reminder", { userId, actorId: null, authorId: null }, (locale: Locale) => ({
          // The notice keeps the instants (written in its reader's language when shown, notifications.ts); the mail the words.
          params: { title: String(table.title), starts_at: start.toISOString(), ends_at: end.toISOString(), time_zone: zone },
          path: `/round-tables/${table.slug}`,
          mailParams: { when: formatSessionSpan(locale, start, end, zone) },
        }))),
      );
    }
    const batch = pb.createBatch();
    batch.collection("round_table_sessions").update(session.id, { reminder_sent_at: at.toISOString() });
    writeNotices(batch, notices);
    await batch.send();
    result.sessions++;
    result.notices += notices.length;
  }
  return result;
}

/**
 * The scheduled run for the hour of `at`: with several site processes each one's timer fires,
 * and only the process that claims the hour runs it (leases.ts); the others return null.
 */
export async function runScheduledReminders(at: Date = new Date()): Promise<ReminderRunResult | null> {
  if (!(await claimPeriod("round-table-reminders", at.toISOString().slice(0, 13)))) return null;
  return runSessionReminders(at);
}

/** Starts the hourly reminder run once per process; off with CASEBOOK_REMINDERS=0 (or CASEBOOK_DIGESTS=0, which turns scheduled mail off). */
export function ensureReminderScheduler(): void {
  if (state.ensured) return;
  state.ensured = true;
  if (process.env.CASEBOOK_REMINDERS === "0" || process.env.CASEBOOK_DIGESTS === "0") return;
  const report = (error: unknown) => console.error(`[round-table reminders] ${error instanceof Error ? error.message : String(error)}`);
  // protect: a run still going when the next tick comes is not started twice.
  state.job = new Cron(REMINDER_SCHEDULE, { protect: true, unref: true, catch: report }, async () => {
    // Another process claimed this hour: no job ran here, so nothing is logged.
    const started = performance.now();
    const result = await runScheduledReminders().catch((error: unknown) => {
      recordJob("round-table-reminders", { ok: false, ms: performance.now() - started, error: error instanceof Error ? error.message : String(error) });
      throw error;
    });
    if (result) recordJob("round-table-reminders", { ok: true, ms: performance.now() - started, details: result });
  });
  onShutdown("round-table reminders", SHUTDOWN_ORDER.schedules, async () => {
    const job = state.job;
    stopReminderScheduler();
    await untilIdle(job ? [job] : []);
  });
}

/** Stops the schedule (tests and shutdown). */
export function stopReminderScheduler(): void {
  state.job?.stop();
  state.job = null;
  state.ensured = false;
}
