// A member's side of notices (issue 13 §1, §2, §5): the notifications page, the header's
// to-do count, mail preferences and the signed unsubscribe link. Notices themselves are
// written by the transitions that cause them (notify.ts).
import { z } from "astro/zod";
import { type Locale, formatDate, isMessageKey, t } from "../../i18n/index.ts";
import { say } from "../../i18n/domain.ts";
import { formatSessionSpan } from "./roundtables/time.ts";
import type { RecordModel } from "pocketbase";
import { assertCan } from "./can.ts";
import { ValidationError } from "./errors.ts";
import { MAIL_CATEGORIES, type MailCategory } from "./notify.ts";
import { getPocketBase } from "./pocketbase.ts";
import { peekTokenSubject, verifyToken } from "./tokens.ts";
import type { Actor } from "./users.ts";

const PAGE_SIZE = 50;

/** The member's latest notices, newest first. */
export async function listNotifications(actor: Actor | null): Promise<NoticeItem[]> {
  assertCan(actor, "notification.manage", { userId: actor?.id ?? "" });
  const pb = await getPocketBase();
  const page = await pb.collection("notifications").getList(1, PAGE_SIZE, {
    filter: pb.filter("user = {:u}", { u: actor.id }),
    sort: "-created,-@rowid",
    skipTotal: true,
  });
  return page.items.map(toItem);
}

/**
 * A notice's sentence in the reader's language. Dates are stored as instants and written here,
 * in the language of whoever reads the page (stored pre-written, a French reader's deadline read
 * "5 janvier 2027" inside an English sentence once they switched language). Older notices that
 * hold a written date keep it. A kind this version does not know still reads as something.
 */
export function noticeSentence(locale: Locale, notice: Pick<NoticeItem, "kind" | "params">): string {
  const key = `notice.${notice.kind}`;
  const params = { ...notice.params };
  if (ISO_DATE.test(params.deadline ?? "")) params.deadline = formatDate(locale, params.deadline);
  if (params.starts_at && params.ends_at && params.time_zone) {
    params.when = formatSessionSpan(locale, new Date(params.starts_at), new Date(params.ends_at), params.time_zone);
  }
  try {
    return isMessageKey(key) ? t(locale, key, params) : t(locale, "notice.unknown");
  } catch {
    return t(locale, "notice.unknown");
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?$/;

/** Marks one of the member's notices read (someone else's is refused as if it did not exist). */
export async function markNotificationRead(actor: Actor | null, id: string): Promise<void> {
  assertCan(actor, "notification.manage", { userId: actor?.id ?? "" });
  const pb = await getPocketBase();
  const row = await pb
    .collection("notifications")
    .getFirstListItem(pb.filter("id = {:id} && user = {:u}", { id, u: actor.id }))
    .catch(() => null);
  if (!row) throw new ValidationError("notification", say("domain.notification.gone"));
  if (!row.read_at) await pb.collection("notifications").update(row.id, { read_at: new Date().toISOString() });
}

/** Marks all the member's notices read. */
export async function markAllNotificationsRead(actor: Actor | null): Promise<number> {
  assertCan(actor, "notification.manage", { userId: actor?.id ?? "" });
  const pb = await getPocketBase();
  const unread = await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && read_at = ''", { u: actor.id }), fields: "id" });
  const at = new Date().toISOString();
  for (let i = 0; i < unread.length; i += 50) {
    const batch = pb.createBatch();
    for (const row of unread.slice(i, i + 50)) batch.collection("notifications").update(row.id, { read_at: at });
    await batch.send();
  }
  return unread.length;
}

/**
 * What waits on the member right now, counted live from the data rather than from unread
 * notices: a notice read and not acted on still waits, and one acted on by a colleague (the
 * other DPO signed off) no longer does. Each count is one indexed query, run only for the
 * roles that have that kind of work.
 */
export async function countTodo(actor: Actor): Promise<TodoCounts> {
  const pb = await getPocketBase();
  const count = async (collection: string, filter: string) =>
    (await pb.collection(collection).getList(1, 1, { filter, fields: "id", skipTotal: false })).totalItems;
  const orgs = (role: string) => actor.memberships.filter((m) => m.role === role && m.organizationVerified).map((m) => m.organizationId);
  const anyOf = (field: string, ids: string[]) => ids.map((id, i) => pb.filter(`${field} = {:x${i}}`, { [`x${i}`]: id })).join(" || ");
  const dpoOrgs = orgs("dpo");
  const adminOrgs = orgs("admin");
  const moderator = actor.verified && (actor.role === "moderator" || actor.role === "admin");
  const [signoff, queue, flags, joins, consent, changes] = await Promise.all([
    dpoOrgs.length
      ? count(
          "posts",
          `(status = 'dpo_review' || revision_status = 'dpo_review') && author != ${pb.filter("{:me}", { me: actor.id })} && (${anyOf("organization", dpoOrgs)})`,
        )
      : 0,
    moderator ? count("posts", "status = 'submitted' || revision_status = 'submitted'") : 0,
    moderator ? count("flags", "status = 'open' && reason = 'patient_data'") : 0,
    adminOrgs.length ? count("memberships", `status = 'pending' && (${anyOf("organization", adminOrgs)})`) : 0,
    adminOrgs.length
      ? count(
          "posts",
          `consent = 'requested' && status != 'published' && status != 'rejected' && status != 'withdrawn' && (${anyOf("applicant_organization", adminOrgs)})`,
        )
      : 0,
    count("posts", pb.filter("author = {:me} && (status = 'changes_requested' || revision_status = 'changes_requested')", { me: actor.id })),
  ]);
  const items = { signoff, queue, flags, joins, consent, changes };
  return { total: Object.values(items).reduce((a, b) => a + b, 0), ...items };
}

/** Unread notices (shown next to the to-do count on the notifications page). */
export async function countUnread(actor: Actor): Promise<number> {
  const pb = await getPocketBase();
  return (await pb.collection("notifications").getList(1, 1, { filter: pb.filter("user = {:u} && read_at = ''", { u: actor.id }), fields: "id" })).totalItems;
}

/** The member's mail preferences (defaults: every group on, moderation notices one by one). */
export async function getMailPreferences(actor: Actor | null): Promise<MailPreferences> {
  assertCan(actor, "notification.manage", { userId: actor?.id ?? "" });
  const record = await preferencesRecord(actor.id);
  const muted = Array.isArray(record?.muted) ? (record.muted as string[]) : [];
  return {
    enabled: Object.fromEntries(MAIL_CATEGORIES.map((c) => [c, !muted.includes(c)])) as Record<MailCategory, boolean>,
    cadence: record?.moderation_cadence === "hourly" ? "hourly" : "immediate",
  };
}

const preferencesSchema = z.object({
  enabled: z.array(z.enum(MAIL_CATEGORIES)).default([]),
  cadence: z.enum(["immediate", "hourly"]).default("immediate"),
});

/** Saves which groups of notification mails the member receives and the moderators' cadence. */
export async function saveMailPreferences(actor: Actor | null, raw: unknown): Promise<MailPreferences> {
  assertCan(actor, "notification.manage", { userId: actor?.id ?? "" });
  const parsed = preferencesSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(String(parsed.error.issues[0]?.path[0] ?? "preferences"), "Choose from the options shown.");
  const muted = MAIL_CATEGORIES.filter((c) => !parsed.data.enabled.includes(c));
  await writePreferences(actor.id, { muted, moderation_cadence: parsed.data.cadence });
  return getMailPreferences(actor);
}

/**
 * Turns one group of mails off for the member a signed link names, without signing in
 * (the link in each mail and its List-Unsubscribe header). Using it again is harmless.
 */
export async function unsubscribeWithToken(category: string, token: string): Promise<UnsubscribeResult> {
  if (!(MAIL_CATEGORIES as readonly string[]).includes(category)) return { ok: false, reason: "invalid" };
  const userId = peekTokenSubject(token);
  if (!userId) return { ok: false, reason: "invalid" };
  const checked = verifyToken("unsubscribe", token, category);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  const pb = await getPocketBase();
  const user = await pb
    .collection("users")
    .getOne(checked.subject, { fields: "id,locale" })
    .catch(() => null);
  if (!user) return { ok: false, reason: "invalid" };
  const record = await preferencesRecord(user.id);
  const muted = new Set(Array.isArray(record?.muted) ? (record.muted as string[]) : []);
  muted.add(category);
  await writePreferences(user.id, { muted: [...muted] });
  return { ok: true, category: category as MailCategory };
}

async function preferencesRecord(userId: string): Promise<RecordModel | null> {
  const pb = await getPocketBase();
  return pb
    .collection("mail_preferences")
    .getFirstListItem(pb.filter("user = {:u}", { u: userId }))
    .catch(() => null);
}

async function writePreferences(userId: string, data: { muted?: string[]; moderation_cadence?: string }): Promise<void> {
  const pb = await getPocketBase();
  const record = await preferencesRecord(userId);
  if (record) await pb.collection("mail_preferences").update(record.id, data);
  else await pb.collection("mail_preferences").create({ user: userId, muted: [], moderation_cadence: "immediate", ...data });
}

function toItem(row: RecordModel): NoticeItem {
  return {
    id: row.id,
    kind: String(row.kind),
    params: (row.params ?? {}) as Record<string, string>,
    // Only a path on this site (never "//host"), whatever the row says.
    link: typeof row.link === "string" && /^\/(?![/\\])/.test(row.link) ? row.link : "/dashboard",
    read: Boolean(row.read_at),
    created: String(row.created),
  };
}

/** One notice as the notifications page shows it. */
export type NoticeItem = { id: string; kind: string; params: Record<string, string>; link: string; read: boolean; created: string };

/** Live counts of what waits on a member, and their sum for the header. */
export type TodoCounts = { total: number; signoff: number; queue: number; flags: number; joins: number; consent: number; changes: number };

/** Which groups of notification mails a member receives, and how moderation notices reach them. */
export type MailPreferences = { enabled: Record<MailCategory, boolean>; cadence: "immediate" | "hourly" };

/** Outcome of an unsubscribe link. */
export type UnsubscribeResult = { ok: true; category: MailCategory } | { ok: false; reason: "invalid" | "expired" };
