// "Your turn" notices (issue 13 §1): who is told of what, in the app and by mail. The table
// below is the one place that decides it; domain transitions call prepareNotices() before
// they build their batch and writeNotices() into it, so a notice and its mail exist exactly
// when the change that causes them does (a failed batch leaves neither). Mail rows go to the
// mail outbox (mailoutbox.ts), which sends them later, in the recipient's language.
import type { RecordModel } from "pocketbase";
import type { Locale } from "../../i18n/index.ts";
import { currentDate } from "./clock.ts";
import { siteLink } from "./links.ts";
import type { MailKind } from "./mail.ts";
import { getPocketBase } from "./pocketbase.ts";

/** Groups of notification mails a member can turn off one by one (preferences page, unsubscribe link). */
// "follows": the digests and the "new post" mails of what one follows (digests.ts, issue 13 §4).
export const MAIL_CATEGORIES = ["reviews", "moderation", "organisation", "my_posts", "follows"] as const;

/** Who a notice goes to, before the actor (and, for review work, the author) is left out. */
export type RecipientRole = "organization_dpos" | "moderators" | "organization_admins" | "applicant_admins" | "invitee" | "author";

/**
 * Event × role → recipients and channel. `mail: null` means in the app only: the invitation
 * itself is mailed directly by orgs.ts (it carries a one-time secret that must not be stored).
 * `cadence: "choice"` lets each moderator take these one by one or as one mail an hour.
 */
export const NOTICE_TABLE = {
  post_awaits_dpo: { to: "organization_dpos", mail: "dpo_signoff", category: "reviews", cadence: "immediate", excludeAuthor: true },
  post_in_queue: { to: "moderators", mail: "moderation_queue", category: "moderation", cadence: "choice", excludeAuthor: true },
  patient_data_flag: { to: "moderators", mail: "patient_data_flag", category: "moderation", cadence: "choice", excludeAuthor: true },
  join_request: { to: "organization_admins", mail: "join_request", category: "organisation", cadence: "immediate", excludeAuthor: false },
  invitation: { to: "invitee", mail: null, category: "organisation", cadence: "immediate", excludeAuthor: false },
  consent_request: { to: "applicant_admins", mail: "consent_request", category: "organisation", cadence: "immediate", excludeAuthor: false },
  summary_consent: { to: "organization_admins", mail: "summary_consent", category: "organisation", cadence: "immediate", excludeAuthor: false },
  // A funder's record about an applicant on the platform, or its correction, is published (moderation.ts approvePost).
  record_published: { to: "applicant_admins", mail: "record_published", category: "organisation", cadence: "immediate", excludeAuthor: false },
  post_decision: { to: "author", mail: "post_decision", category: "my_posts", cadence: "immediate", excludeAuthor: false },
  post_flagged: { to: "author", mail: "post_flagged", category: "my_posts", cadence: "immediate", excludeAuthor: false },
  // Issue 14 §2 (replies.ts): a held reply is the moderators' turn; its author hears of the decision;
  // the thread's author of a published reply (replies.ts gives the recipient, never the replier).
  reply_held: { to: "moderators", mail: "reply_held", category: "moderation", cadence: "choice", excludeAuthor: true },
  reply_decision: { to: "author", mail: "reply_decision", category: "my_posts", cadence: "immediate", excludeAuthor: false },
  reply_published: { to: "author", mail: "reply_published", category: "my_posts", cadence: "immediate", excludeAuthor: true },
  // Issue 14 §3 (roundtables/): an invitation is the invited organisation's admins' turn; the host's
  // admins hear each answer; each attendee is reminded the day before a session (reminders.ts).
  roundtable_invitation: { to: "organization_admins", mail: "roundtable_invitation", category: "organisation", cadence: "immediate", excludeAuthor: false },
  roundtable_answer: { to: "organization_admins", mail: "roundtable_answer", category: "organisation", cadence: "immediate", excludeAuthor: false },
  roundtable_reminder: { to: "invitee", mail: "roundtable_reminder", category: "organisation", cadence: "immediate", excludeAuthor: false },
} as const satisfies Record<
  string,
  { to: RecipientRole; mail: MailKind | null; category: MailCategory; cadence: "immediate" | "choice"; excludeAuthor: boolean }
>;

/** Days before a consent deadline when the applicant's admins get a reminder (if the deadline is further away than that). */
export const CONSENT_REMINDER_DAYS = 7;

/**
 * The recipients of an event and, for each, the channels: always the app; mail unless the
 * address is unverified or the member turned that group off; hourly for moderators who chose
 * it. Pure: the people are loaded by the caller. The actor is never told of their own step.
 */
export function routeNotice(event: NoticeEvent, people: Person[], context: { actorId: string | null; authorId: string | null }): Routed[] {
  const rule = NOTICE_TABLE[event];
  const seen = new Set<string>();
  const routed: Routed[] = [];
  for (const person of people) {
    if (seen.has(person.id) || person.id === context.actorId) continue;
    if (rule.excludeAuthor && person.id === context.authorId) continue;
    seen.add(person.id);
    const mail = rule.mail !== null && person.verified && !person.muted.includes(rule.category);
    const hourly = mail && rule.cadence === "choice" && person.cadence === "hourly";
    routed.push({ person, app: true, mail: mail ? (hourly ? "hourly" : "immediate") : null });
  }
  return routed;
}

/** The start of the next hour after `at`: when an hourly batch of moderation notices goes out. */
export function nextHour(at: Date): Date {
  const next = new Date(at.getTime());
  next.setUTCMinutes(0, 0, 0);
  next.setUTCHours(next.getUTCHours() + 1);
  return next;
}

/**
 * Builds the notification and mail rows of one event for the people concerned. `content`
 * gives, per recipient language, the notice's params, its in-app link (a site path without
 * language prefix) and the mail's params; the mail link is added here in the recipient's language.
 */
export function planNotices(
  event: NoticeEvent,
  routed: Routed[],
  content: (locale: Locale) => { params: Record<string, string>; path: string; mailParams?: Record<string, string> },
  options: { now?: Date; extraMail?: (person: Person, locale: Locale) => PlannedMail[] } = {},
): PlannedNotice[] {
  const rule = NOTICE_TABLE[event];
  const now = options.now ?? currentDate();
  return routed.map(({ person, app, mail }) => {
    const locale: Locale = person.locale ?? "en";
    const built = content(locale);
    const mails: PlannedMail[] = [];
    if (mail && rule.mail) {
      mails.push({
        to: person.email,
        user: person.id,
        template: rule.mail,
        locale: person.locale ?? "",
        params: { link: siteLink(person.locale, built.path), ...built.params, ...built.mailParams, name: person.name },
        category: rule.category,
        group_key: mail === "hourly" ? `hourly:${person.id}` : "",
        next_attempt_at: mail === "hourly" ? nextHour(now).toISOString() : "",
      });
      if (options.extraMail) mails.push(...options.extraMail(person, locale));
    }
    return { user: person.id, kind: event, params: built.params, link: built.path, app, mails };
  });
}

/** Adds the planned notification and mail_outbox rows to the caller's batch (same transaction as the change). */
export function writeNotices(batch: Batch, notices: PlannedNotice[]): void {
  for (const notice of notices) {
    if (notice.app) batch.collection("notifications").create({ user: notice.user, kind: notice.kind, params: notice.params, link: notice.link });
    for (const mail of notice.mails) enqueueMail(batch, mail);
  }
}

/** Adds one mail to the outbox in the caller's batch: how any other feature (digests) sends a notification mail. */
export function enqueueMail(batch: Batch, mail: PlannedMail): void {
  batch.collection("mail_outbox").create({ ...mail, status: "pending", attempts: 0 });
}

/** Loads people to notify: the given users with their language, verification and mail preferences. */
export async function loadPeople(userIds: string[]): Promise<Person[]> {
  const ids = [...new Set(userIds.filter(Boolean))];
  if (ids.length === 0) return [];
  const pb = await getPocketBase();
  const users: RecordModel[] = [];
  const prefs: RecordModel[] = [];
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const params = Object.fromEntries(chunk.map((id, k) => [`u${k}`, id]));
    users.push(
      ...(await pb.collection("users").getFullList({
        filter: pb.filter(chunk.map((_, k) => `id = {:u${k}}`).join(" || "), params),
        fields: "id,email,name,locale,verified",
      })),
    );
    prefs.push(...(await pb.collection("mail_preferences").getFullList({ filter: pb.filter(chunk.map((_, k) => `user = {:u${k}}`).join(" || "), params) })));
  }
  const byUser = new Map(prefs.map((p) => [p.user as string, p]));
  // In the order asked for, so notices (and their mails) keep a stable order.
  const byId = new Map(users.map((u) => [u.id, u]));
  return ids.flatMap((id) => {
    const u = byId.get(id);
    if (!u) return [];
    const pref = byUser.get(id);
    return [
      {
        id: u.id,
        email: String(u.email),
        name: String(u.name ?? ""),
        locale: u.locale === "en" || u.locale === "fr" || u.locale === "nl" ? u.locale : null,
        verified: Boolean(u.verified),
        muted: Array.isArray(pref?.muted) ? (pref.muted as string[]) : [],
        cadence: pref?.moderation_cadence === "hourly" ? "hourly" : "immediate",
      } satisfies Person,
    ];
  });
}

/** Active members of an organisation with one of these roles. */
export async function organizationMembers(organizationId: string, roles: string[]): Promise<Person[]> {
  if (!organizationId) return [];
  const pb = await getPocketBase();
  const params: Record<string, string> = { o: organizationId, ...Object.fromEntries(roles.map((r, i) => [`r${i}`, r])) };
  const rows = await pb.collection("memberships").getFullList({
    filter: pb.filter(`organization = {:o} && status = 'active' && (${roles.map((_, i) => `role = {:r${i}}`).join(" || ")})`, params),
    fields: "user",
    sort: "created",
  });
  return loadPeople(rows.map((r) => r.user as string));
}

/**
 * Who moderates the platform: its moderators — or, on a platform that has none yet (a fresh
 * install run by its first administrator), its administrators, who moderate too: a patient-data
 * report must reach someone. Verified accounts only: an unverified one cannot moderate.
 */
export async function moderators(): Promise<Person[]> {
  const pb = await getPocketBase();
  const rows = await pb.collection("users").getFullList({ filter: "role = 'moderator' && verified = true", fields: "id", sort: "created" });
  const staff =
    rows.length > 0 ? rows : await pb.collection("users").getFullList({ filter: "role = 'admin' && verified = true", fields: "id", sort: "created" });
  return loadPeople(staff.map((r) => r.id));
}

/**
 * Everything one event needs, in one call: loads the recipients of its role, routes and
 * plans. Returns rows to pass to writeNotices() in the same batch as the change.
 */
export async function prepareNotices(
  event: NoticeEvent,
  target: { organizationId?: string; userId?: string; actorId: string | null; authorId: string | null },
  content: (locale: Locale) => { params: Record<string, string>; path: string; mailParams?: Record<string, string> },
  options: { extraMail?: (person: Person, locale: Locale) => PlannedMail[] } = {},
): Promise<PlannedNotice[]> {
  const role: RecipientRole = NOTICE_TABLE[event].to;
  const people =
    role === "organization_dpos"
      ? await organizationMembers(target.organizationId ?? "", ["dpo"])
      : role === "organization_admins" || role === "applicant_admins"
        ? await organizationMembers(target.organizationId ?? "", ["admin"])
        : role === "moderators"
          ? await moderators()
          : await loadPeople([target.userId ?? ""]);
  return planNotices(event, routeNotice(event, people, target), content, options);
}

/** A notice-worthy event (a row of NOTICE_TABLE). */
export type NoticeEvent = keyof typeof NOTICE_TABLE;

/** A group of notification mails a member can turn off. */
export type MailCategory = (typeof MAIL_CATEGORIES)[number];

/** Someone who may be told: address, language, verification and mail preferences. */
export type Person = {
  id: string;
  email: string;
  name: string;
  locale: Locale | null;
  verified: boolean;
  muted: string[];
  cadence: "immediate" | "hourly";
};

/** One recipient of an event with the channels it reaches them by. */
export type Routed = { person: Person; app: boolean; mail: "immediate" | "hourly" | null };

/** A mail_outbox row to write. */
export type PlannedMail = {
  to: string;
  user: string;
  template: MailKind;
  locale: string;
  params: Record<string, unknown>;
  category: MailCategory | "";
  group_key: string;
  next_attempt_at: string;
};

/** A notification row (when `app`) and its mail rows, to write in one batch. */
export type PlannedNotice = { user: string; kind: NoticeEvent; params: Record<string, string>; link: string; app: boolean; mails: PlannedMail[] };

type Batch = ReturnType<Awaited<ReturnType<typeof getPocketBase>>["createBatch"]>;
