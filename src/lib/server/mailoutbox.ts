// The mail outbox (issue 13 §5, DESIGN.md §1): notification mails are rows written in the
// same batch as the change that causes them (notify.ts) and sent here, by a worker in the
// site process, oldest first, with retries and exponential back-off. Nothing is mailed from
// inside a request. Rows are composed at send time in the recipient's language, with a
// signed one-click unsubscribe link (RFC 8058) that is computed, never stored.
import type { RecordModel } from "pocketbase";
import { composeMail, type MailKind, MAIL_KINDS, sendMail } from "./mail.ts";
import { siteLink } from "./links.ts";
import { getPocketBase } from "./pocketbase.ts";
import { signToken } from "./tokens.ts";
import { MAIL_CATEGORIES } from "./notify.ts";
import { type DrainLoopState, startDrainLoop, stopDrainLoop } from "./drainloop.ts";
import { type LeaseKeeper, createLeaseKeeper } from "./leases.ts";
import { SHUTDOWN_ORDER, onShutdown } from "./shutdown.ts";
import { registerBacklog } from "./observability.ts";

/** Attempts after which a row is given up (status `failed`, kept with its last error). */
export const MAX_MAIL_ATTEMPTS = 12;
/** How long an unsubscribe link works. */
export const UNSUBSCRIBE_TTL_MS = 180 * 24 * 60 * 60 * 1000;
const DEFAULT_LIMIT = 50;
const MAX_ERROR_LENGTH = 1000;

const STATE = Symbol.for("casebook.mail.outbox");
const globals = globalThis as { [STATE]?: WorkerState };
// One drain at a time per process, however many times this module is evaluated.
globals[STATE] ??= { running: null, draining: null, wake: null, ensured: false };
const worker: WorkerState = globals[STATE];

/** Retry delay after a row's `attempts`-th failure: base · 2^(attempts−1), capped at an hour (base 10 s by default). */
export function mailBackoff(attempts: number, baseMs = 10_000): number {
  return Math.min(60 * 60 * 1000, baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}

/** The signed link that unsubscribes `userId` from one group of mails, without signing in. */
export function unsubscribeLink(userId: string, category: string, locale: string | null): string {
  const token = signToken("unsubscribe", userId, category, UNSUBSCRIBE_TTL_MS);
  const lang = locale === "en" || locale === "fr" || locale === "nl" ? locale : null;
  return siteLink(lang, `/unsubscribe?${new URLSearchParams({ c: category, t: token })}`);
}

/**
 * Sends due rows, oldest first. A row to someone whose earlier mail failed waits behind it
 * (their mails arrive in order). When the server cannot be reached, every due row of this
 * drain records the failed attempt and its next try, and the drain stops.
 */
export async function drainMailOutbox(options: { limit?: number; now?: Date; backoffBaseMs?: number } = {}): Promise<MailDrainResult> {
  while (worker.draining) await worker.draining.catch(() => undefined);
  const run = drainOnce(options.limit ?? DEFAULT_LIMIT, options.now ?? new Date(), options.backoffBaseMs);
  worker.draining = run;
  try {
    return await run;
  } finally {
    worker.draining = null;
  }
}

async function drainOnce(limit: number, now: Date, backoffBaseMs?: number): Promise<MailDrainResult> {
  const pb = await getPocketBase();
  // Due rows, and rows waiting for a retry (they hold their recipient's place in line).
  const rows = (
    await pb.collection("mail_outbox").getList(1, limit, {
      filter: pb.filter("status = 'pending' && (next_attempt_at = '' || next_attempt_at <= {:now} || attempts > 0)", { now }),
      sort: "created,@rowid",
      skipTotal: true,
    })
  ).items as unknown as OutboxRow[];
  const result: MailDrainResult = { sent: 0, failed: 0, skipped: 0 };
  const blocked = new Set<string>();
  const settledGroups = new Set<string>();
  for (const [index, row] of rows.entries()) {
    const key = row.to.toLowerCase();
    const due = !row.next_attempt_at || Date.parse(row.next_attempt_at.replace(" ", "T")) <= now.getTime();
    if (!due) {
      if (row.attempts > 0) blocked.add(key);
      continue;
    }
    if (blocked.has(key) || (row.group_key && settledGroups.has(row.group_key))) continue;
    try {
      const outcome = await deliver(row, now);
      if (row.group_key) settledGroups.add(row.group_key);
      if (outcome === "sent") result.sent++;
      else result.skipped++;
    } catch (error) {
      const transport = isTransportError(error);
      // Unreachable server: this row and every other due row record the attempt; nothing more is tried now.
      const failing = transport ? rows.slice(index).filter((r) => isDue(r, now) && !blocked.has(r.to.toLowerCase())) : [row];
      for (const failed of failing) {
        await markFailed(failed, messageOf(error), now, backoffBaseMs);
        result.failed++;
      }
      if (transport) break;
      blocked.add(key);
    }
  }
  return result;
}

function isDue(row: OutboxRow, now: Date): boolean {
  return !row.next_attempt_at || Date.parse(row.next_attempt_at.replace(" ", "T")) <= now.getTime();
}

// Composes and sends one row (or its hourly group). Returns "skipped" when the mail must not
// go: an unverified address, a group of mails the member turned off, a reminder that is moot.
async function deliver(row: OutboxRow, now: Date): Promise<"sent" | "skipped"> {
  const pb = await getPocketBase();
  let to = row.to;
  let locale = row.locale || null;
  if (row.user) {
    const user = await pb
      .collection("users")
      .getOne(row.user, { fields: "id,email,verified,locale" })
      .catch(() => null);
    if (!user) return skip(row, "The account no longer exists.");
    // No mail to an unverified address except verification (which never goes through here).
    if (!user.verified) return skip(row, "The address is not verified.");
    to = String(user.email);
    locale = user.locale || locale;
    if (row.category) {
      const pref = await pb
        .collection("mail_preferences")
        .getFirstListItem(pb.filter("user = {:u}", { u: row.user }))
        .catch(() => null);
      if (Array.isArray(pref?.muted) && pref.muted.includes(row.category)) return skip(row, "The member turned these e-mails off.");
    }
  }
  const params = { ...(row.params ?? {}) } as Record<string, unknown>;
  if (typeof params.while_consent_requested === "string") {
    const post = await pb
      .collection("posts")
      .getOne(params.while_consent_requested, { fields: "consent,status" })
      .catch(() => null);
    if (post?.consent !== "requested" || post.status === "published") return skip(row, "The consent request was answered or closed.");
  }

  let template = row.template as MailKind;
  let group: OutboxRow[] = [row];
  if (row.group_key) {
    group = (await pb.collection("mail_outbox").getFullList({
      filter: pb.filter("status = 'pending' && group_key = {:g}", { g: row.group_key }),
      sort: "created,@rowid",
    })) as unknown as OutboxRow[];
    if (group.length > 1) {
      template = "moderation_batch";
      params.count = String(group.length);
      params.items = group.map((g) => `- ${String((g.params as Record<string, unknown>)?.title ?? "")}`).join("\n");
      params.link = siteLink(locale === "en" || locale === "fr" || locale === "nl" ? locale : null, "/moderation");
    }
  }
  if (!(template in MAIL_KINDS)) throw new PermanentMailError(`unknown mail template "${template}"`);
  const stringParams = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "string" ? v : String(v ?? "")]));
  const unsubscribe = row.user && isCategory(row.category) ? unsubscribeLink(row.user, row.category, locale) : undefined;
  const preferences = row.user ? siteLink(locale === "en" || locale === "fr" || locale === "nl" ? locale : null, "/account/notifications") : undefined;
  const mail = composeMail(template, locale === "en" || locale === "fr" || locale === "nl" ? locale : null, stringParams, { unsubscribe, preferences });
  const headers: Record<string, string> = unsubscribe ? { "List-Unsubscribe": `<${unsubscribe}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } : {};
  const sent = await sendMail({ to, subject: mail.subject, text: mail.text, html: mail.html, headers });
  const batch = pb.createBatch();
  for (const member of group) {
    batch.collection("mail_outbox").update(member.id, { status: "sent", sent_at: now.toISOString(), message_id: sent.id.slice(0, 300), last_error: "" });
  }
  await batch.send();
  return "sent";
}

async function skip(row: OutboxRow, why: string): Promise<"skipped"> {
  const pb = await getPocketBase();
  await pb.collection("mail_outbox").update(row.id, { status: "skipped", last_error: why });
  return "skipped";
}

async function markFailed(row: OutboxRow, error: string, now: Date, backoffBaseMs?: number): Promise<void> {
  const pb = await getPocketBase();
  const attempts = (row.attempts ?? 0) + 1;
  await pb.collection("mail_outbox").update(row.id, {
    attempts,
    status: attempts >= MAX_MAIL_ATTEMPTS ? "failed" : "pending",
    next_attempt_at: new Date(now.getTime() + mailBackoff(attempts, backoffBaseMs)).toISOString(),
    last_error: error.slice(0, MAX_ERROR_LENGTH),
  });
}

// nodemailer: a reply code from the server concerns this message (e.g. 550 unknown
// recipient); anything else (refused connection, timeout, greeting) concerns every message.
function isTransportError(error: unknown): boolean {
  if (error instanceof PermanentMailError) return false;
  const code = (error as { responseCode?: unknown })?.responseCode;
  return typeof code !== "number";
}

function isCategory(value: string): boolean {
  return (MAIL_CATEGORIES as readonly string[]).includes(value);
}

class PermanentMailError extends Error {}

/** Rows not sent yet (due, scheduled or waiting for a retry). */
export async function getMailBacklog(): Promise<number> {
  const pb = await getPocketBase();
  return (await pb.collection("mail_outbox").getList(1, 1, { filter: "status = 'pending'", fields: "id" })).totalItems;
}

/** Starts the in-process loop that drains the mail outbox every `intervalMs` (no-op when running). */
export function startMailWorker(options: { intervalMs?: number; backoffBaseMs?: number } = {}): void {
  worker.lease ??= createLeaseKeeper("outbox:mail", MAIL_LEASE_MS);
  const lease = worker.lease;
  startDrainLoop(worker, {
    label: "mail",
    intervalMs: options.intervalMs ?? 500,
    errorDelayMs: 5000,
    drain: async () => {
      // One process sends at a time (leases.ts): two would send the same mail twice.
      if (!(await lease.hold())) return null;
      const result = await drainMailOutbox({ backoffBaseMs: options.backoffBaseMs });
      return { more: result.sent + result.skipped >= DEFAULT_LIMIT, counts: result };
    },
  });
}

/** Stops the worker loop, waits for its current drain to finish, and hands the mail lease back. */
export async function stopMailWorker(): Promise<void> {
  await stopDrainLoop(worker);
  await worker.lease?.release();
}

/** How long a process keeps the right to send the mail outbox before another may take over. */
export const MAIL_LEASE_MS = 15_000;

/** Starts the mail worker once per process, unless CASEBOOK_MAIL_WORKER=0. */
export function ensureMailWorker(): void {
  if (worker.ensured) return;
  worker.ensured = true;
  registerBacklog("mail", getMailBacklog);
  if (process.env.CASEBOOK_MAIL_WORKER === "0") return;
  startMailWorker();
  // The message being sent is finished and marked; the rest waits for the next start.
  onShutdown("mail outbox worker", SHUTDOWN_ORDER.workers, stopMailWorker);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What one drain did. */
export type MailDrainResult = { sent: number; failed: number; skipped: number };

type OutboxRow = Pick<RecordModel, "id"> & {
  to: string;
  user: string;
  template: string;
  locale: string;
  params: Record<string, unknown> | null;
  category: string;
  group_key: string;
  attempts: number;
  next_attempt_at: string;
};
type WorkerState = DrainLoopState & {
  draining: Promise<MailDrainResult> | null;
  wake: (() => void) | null;
  ensured: boolean;
  lease?: LeaseKeeper;
};
