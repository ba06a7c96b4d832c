// Digests (issue 13 §4): a daily and a weekly mail per member listing what was published in
// what they follow since the previous digest of that cadence, grouped by follow, in the
// member's language, public projections only. Sent at a fixed local hour in Europe/Brussels
// (daily 07:00, weekly Monday 07:00) by a croner schedule started once in the site process.
//
// Exactly once: each period (2026-12-02, 2026-W49) covers the posts published after the
// previous period's scheduled instant and up to its own. A member's mail_outbox row and their
// "sent for period P" digest_runs row are written in one batch, under a unique index: a run
// restarted after a crash skips the members already done, and a second concurrent run's batch
// fails instead of queueing a second mail. When every member is done, a row without a member
// closes the period; the next period starts where it ended, so a period missed while the site
// was down is caught up once, by the next run, in one mail covering all of it.
import { Cron } from "croner";
import type { RecordModel } from "pocketbase";
import { codeLabel, t, type Locale, type MessageKey } from "../../i18n/index.ts";
import { followersOfPost, listFollows, postsFollowed, type Follow, type FollowKind } from "./follows.ts";
import { siteLink } from "./links.ts";
import { enqueueMail, loadPeople, type Person, type PlannedMail } from "./notify.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { timedJob } from "./observability.ts";
import { toPublicPost, type PublicPost } from "./posts.ts";
import { loadActor } from "./users.ts";
import { SHUTDOWN_ORDER, onShutdown, untilIdle } from "./shutdown.ts";

/** The two digest cadences. */
export const DIGEST_CADENCES = ["daily", "weekly"] as const;
export type DigestCadence = (typeof DIGEST_CADENCES)[number];
/** Where the digests' hour is read. */
export const DIGEST_TIMEZONE = "Europe/Brussels";
/** When each digest goes out, as cron patterns in DIGEST_TIMEZONE: every day at 07:00, Mondays at 07:00. */
export const DIGEST_SCHEDULE: Record<DigestCadence, string> = { daily: "0 7 * * *", weekly: "0 7 * * 1" };
/** Posts listed per follow in one digest (the rest are one click away on the follow's page). */
export const DIGEST_POSTS_PER_FOLLOW = 10;
/** The mail group a member turns off to stop digests and "new post" mails (mail preferences, unsubscribe link). */
export const FOLLOWS_CATEGORY = "follows";

/** One period of a cadence: its key, its scheduled instant and the one before it. */
export type DigestPeriod = { cadence: DigestCadence; key: string; at: Date; previous: Date };

function schedule(cadence: DigestCadence): Cron {
  // No function: a pattern evaluator only, nothing is scheduled.
  return new Cron(DIGEST_SCHEDULE[cadence], { timezone: DIGEST_TIMEZONE });
}

/** The latest period of `cadence` whose scheduled instant is at or before `now`. */
export function digestPeriod(cadence: DigestCadence, now: Date): DigestPeriod {
  const [at, previous] = schedule(cadence).previousRuns(2, new Date(now.getTime() + 1));
  if (!at || !previous) throw new Error(`no previous run for the ${cadence} digest`);
  return { cadence, key: periodKey(cadence, at), at, previous };
}

/** The next scheduled instant of `cadence` strictly after `after`. */
export function nextDigestTime(cadence: DigestCadence, after: Date): Date {
  const next = schedule(cadence).nextRun(after);
  if (!next) throw new Error(`no next run for the ${cadence} digest`);
  return next;
}

const localDate = new Intl.DateTimeFormat("en-CA", { timeZone: DIGEST_TIMEZONE, year: "numeric", month: "2-digit", day: "2-digit" });

/** A period's key from its instant: the local date (2026-12-02) or the ISO week (2026-W49) in Europe/Brussels. */
export function periodKey(cadence: DigestCadence, at: Date): string {
  const day = localDate.format(at);
  if (cadence === "daily") return day;
  // ISO 8601 week: the week's Thursday decides its year.
  const [y = 0, m = 1, d = 1] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** One follow's section of a digest. */
export type DigestGroup = { kind: FollowKind; label: string; href: string | null; posts: PublicPost[] };

/**
 * The digest's sections: one per follow with something new, in the order given; a post that
 * several follows match is listed once, under the first. Empty when nothing is new.
 */
export function groupDigest(sections: DigestGroup[]): DigestGroup[] {
  const seen = new Set<string>();
  const groups: DigestGroup[] = [];
  for (const section of sections) {
    const posts = section.posts.filter((post) => !seen.has(post.slug));
    for (const post of posts) seen.add(post.slug);
    if (posts.length > 0) groups.push({ ...section, posts });
  }
  return groups;
}

/**
 * The digest mail for one member, or null when there is nothing new (no mail is sent then).
 * The list is written here in the member's language: a heading per follow, then each post's
 * title, its byline (the organisation, or an anonymous post's descriptor) and its public link.
 */
export function digestMail(person: Person, cadence: DigestCadence, groups: DigestGroup[]): PlannedMail | null {
  const count = groups.reduce((n, g) => n + g.posts.length, 0);
  if (count === 0) return null;
  const locale: Locale = person.locale ?? "en";
  const items = groups
    .map((group) => {
      const heading = t(locale, "common.label_value", { label: t(locale, `follow.kind.${group.kind}` as MessageKey), value: group.label });
      const posts = group.posts.map((post) => `${post.title || post.slug} — ${post.byline}\n${siteLink(locale, `/posts/${post.slug}`)}`);
      return [heading, ...posts].join("\n\n");
    })
    .join("\n\n");
  return {
    to: person.email,
    user: person.id,
    template: cadence === "daily" ? "digest_daily" : "digest_weekly",
    locale,
    params: { count: String(count), items, link: siteLink(locale, "/account/follows"), name: person.name },
    category: FOLLOWS_CATEGORY,
    group_key: "",
    next_attempt_at: "",
  };
}

/** Whether a follow is listed in a digest: its cadence, or the daily one for an "immediate" saved search (see newPostMails). */
export function inDigest(follow: { kind: FollowKind; cadence: string }, cadence: DigestCadence): boolean {
  return follow.cadence === cadence || (cadence === "daily" && follow.kind === "saved_search" && follow.cadence === "immediate");
}

/** The sections of one member's digest: their public follows of this cadence, each with what was published in (since, until]. */
export async function memberDigest(userId: string, cadence: DigestCadence, since: Date, until: Date): Promise<{ locale: Locale; groups: DigestGroup[] }> {
  const actor = await loadActor(userId);
  if (!actor) return { locale: "en", groups: [] };
  const follows = (await listFollows(actor)).filter((f: Follow) => f.public && inDigest(f, cadence));
  const sections: DigestGroup[] = [];
  for (const f of follows) {
    const posts = await postsFollowed(actor.locale, [{ kind: f.kind, target: f.target }], DIGEST_POSTS_PER_FOLLOW, since.toISOString());
    const inPeriod = posts.filter((p) => p.publishedAt !== null && Date.parse(p.publishedAt.replace(" ", "T")) <= until.getTime());
    sections.push({ kind: f.kind, label: f.label, href: f.href, posts: inPeriod });
  }
  return { locale: actor.locale, groups: groupDigest(sections) };
}

/** What one run did. */
export type DigestRunResult = {
  cadence: DigestCadence;
  period: string;
  /** The period was already closed: nothing was done. */
  alreadyDone: boolean;
  /** Members whose digest was queued by this run. */
  queued: number;
  /** Members with nothing new. */
  empty: number;
  /** Members skipped: unverified address, digests turned off, or already done for this period. */
  skipped: number;
};

const STATE = Symbol.for("casebook.digests");
const globals = globalThis as { [STATE]?: { running: Map<DigestCadence, Promise<DigestRunResult>>; jobs: Cron[]; ensured: boolean } };
globals[STATE] ??= { running: new Map(), jobs: [], ensured: false };
const state = globals[STATE];

/**
 * Runs the digest of `cadence` for the period due at `now` (tests pass the instant they need).
 * Idempotent: a closed period does nothing; an unfinished one goes on with the members not
 * done yet. `afterMember` is called after each member's mail is queued (tests throw from it
 * to stand for a crash midway).
 */
export async function runDigests(
  cadence: DigestCadence,
  now: Date = new Date(),
  options: { afterMember?: (userId: string) => void | Promise<void> } = {},
): Promise<DigestRunResult> {
  // One run per cadence at a time in this process; another process is stopped by the unique index.
  while (state.running.has(cadence)) await state.running.get(cadence)!.catch(() => undefined);
  const run = runOnce(cadence, now, options);
  state.running.set(cadence, run);
  try {
    return await run;
  } finally {
    state.running.delete(cadence);
  }
}

async function runOnce(cadence: DigestCadence, now: Date, options: { afterMember?: (userId: string) => void | Promise<void> }): Promise<DigestRunResult> {
  const period = digestPeriod(cadence, now);
  const result: DigestRunResult = { cadence, period: period.key, alreadyDone: false, queued: 0, empty: 0, skipped: 0 };
  const pb = await getPocketBase();
  const rows = await pb
    .collection("digest_runs")
    .getFullList({ filter: pb.filter("cadence = {:c} && period = {:p}", { c: cadence, p: period.key }), fields: "user" });
  if (rows.some((r) => !r.user)) return { ...result, alreadyDone: true };
  const done = new Set(rows.map((r) => r.user as string));
  const since = await periodStart(period);

  const followers = await pb.collection("follows").getFullList({
    filter: pb.filter(cadence === "daily" ? "cadence = {:c} || (kind = 'saved_search' && cadence = 'immediate')" : "cadence = {:c}", { c: cadence }),
    fields: "user",
    sort: "user",
  });
  const members = [...new Set(followers.map((f) => f.user as string))];
  result.skipped += members.filter((id) => done.has(id)).length;
  const people = await loadPeople(members.filter((id) => !done.has(id)));
  for (const person of people) {
    // Unverified addresses get nothing; a member who turned these mails off gets nothing.
    if (!person.verified || person.muted.includes(FOLLOWS_CATEGORY)) {
      result.skipped++;
      continue;
    }
    const { groups } = await memberDigest(person.id, cadence, since, period.at);
    const mail = digestMail(person, cadence, groups);
    if (!mail) {
      result.empty++;
      continue;
    }
    const batch = pb.createBatch();
    enqueueMail(batch, mail);
    batch.collection("digest_runs").create({ cadence, period: period.key, user: person.id, until: period.at.toISOString(), posts: Number(mail.params.count) });
    try {
      await batch.send();
    } catch (error) {
      // Another run got there first (the unique index refused our marker): its mail stands, ours was not written.
      if (await marked(cadence, period.key, person.id)) {
        result.skipped++;
        continue;
      }
      throw error;
    }
    result.queued++;
    await options.afterMember?.(person.id);
  }
  try {
    await pb.collection("digest_runs").create({ cadence, period: period.key, user: "", until: period.at.toISOString(), posts: result.queued });
  } catch (error) {
    if (!(await marked(cadence, period.key, ""))) throw error;
  }
  return result;
}

// Where a period's "new" starts: the end of the last closed period before it (a period missed
// while the site was down is covered once, here), else the previous scheduled instant.
async function periodStart(period: DigestPeriod): Promise<Date> {
  const pb = await getPocketBase();
  const last = await pb
    .collection("digest_runs")
    .getFirstListItem(pb.filter("cadence = {:c} && user = '' && until < {:at}", { c: period.cadence, at: period.at }), { sort: "-until", fields: "until" })
    .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
  return last ? new Date(String(last.until).replace(" ", "T")) : period.previous;
}

async function marked(cadence: DigestCadence, period: string, user: string): Promise<boolean> {
  const pb = await getPocketBase();
  const row = await pb
    .collection("digest_runs")
    .getFirstListItem(pb.filter("cadence = {:c} && period = {:p} && user = {:u}", { c: cadence, p: period, u: user }), { fields: "id" })
    .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
  return row !== null;
}

/** Runs every cadence's due period that is not closed yet (at start-up: a period missed while the site was down). */
export async function runDueDigests(now: Date = new Date()): Promise<DigestRunResult[]> {
  const results: DigestRunResult[] = [];
  for (const cadence of DIGEST_CADENCES) results.push(await runDigests(cadence, now));
  return results;
}

/** Starts the digest schedule once per process (daily and weekly at 07:00 Europe/Brussels) and catches up a missed period; off with CASEBOOK_DIGESTS=0. */
export function ensureDigestScheduler(): void {
  if (state.ensured) return;
  state.ensured = true;
  if (process.env.CASEBOOK_DIGESTS === "0") return;
  const report = (error: unknown) => console.error(`[digests] ${error instanceof Error ? error.message : String(error)}`);
  for (const cadence of DIGEST_CADENCES) {
    // protect: a run still going when the next tick comes is not started twice.
    state.jobs.push(
      new Cron(DIGEST_SCHEDULE[cadence], { timezone: DIGEST_TIMEZONE, protect: true, unref: true, catch: report }, async () => {
        await timedJob(`digest-${cadence}`, () => runDigests(cadence), digestCounts);
      }),
    );
  }
  const catchUp = () => runDueDigests();
  setTimeout(() => timedJob("digest-catch-up", catchUp, (runs) => sumCounts(runs.map(digestCounts))).catch(report), 5_000).unref();
  onShutdown("digest schedule", SHUTDOWN_ORDER.schedules, async () => {
    const jobs = [...state.jobs];
    stopDigestScheduler();
    await untilIdle(jobs);
  });
}

// A run's counts for its job log line (observability.ts): how many members, never who.
function digestCounts(run: DigestRunResult): Record<string, number> {
  return { queued: run.queued, empty: run.empty, skipped: run.skipped };
}

function sumCounts(all: Record<string, number>[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const counts of all) for (const [key, n] of Object.entries(counts)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

/** Stops the schedule (tests and shutdown). */
export function stopDigestScheduler(): void {
  for (const job of state.jobs.splice(0)) job.stop();
  state.ensured = false;
}

/**
 * The mails of a post's first publication to the members who follow something it is in with
 * the cadence "immediate" (not its author; verified addresses only; not when these mails are
 * turned off). approvePost adds them to the batch that publishes the post. Saved searches are
 * not matched here (the search index learns of the post after publication): an "immediate"
 * saved search is listed in the daily digest instead.
 */
export async function newPostMails(postId: string, publication: { publicDescriptor: unknown }, authorId: string): Promise<PlannedMail[]> {
  const pb = await getPocketBase();
  const record = await pb.collection("posts").getOne(postId, { expand: "organization,call,funder" });
  const live = {
    ...record,
    status: "published",
    published_at: record.published_at || new Date().toISOString(),
    public_descriptor: publication.publicDescriptor,
  } as RecordModel;
  const followers = await followersOfPost(live);
  const ids = [...followers].filter(([id, cadence]) => cadence === "immediate" && id !== authorId).map(([id]) => id);
  const people = (await loadPeople(ids)).filter((p) => p.verified && !p.muted.includes(FOLLOWS_CATEGORY));
  if (people.length === 0) return [];
  const params = Object.fromEntries(people.map((p, i) => [`u${i}`, p.id]));
  const rows = await pb.collection("follows").getFullList({
    filter: pb.filter(`cadence = 'immediate' && (${people.map((_, i) => `user = {:u${i}}`).join(" || ")})`, params),
    fields: "user,kind,target",
    sort: "created",
  });
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
  const matches = (kind: string, target: string): boolean =>
    (kind === "tag" && list(live.tags).includes(target)) ||
    (kind === "care_setting" && list(live.care_settings).includes(target)) ||
    (kind === "ai_type" && list(live.ai_types).includes(target)) ||
    (kind === "organization" && !live.anonymous && live.organization === target) ||
    (kind === "funder" && live.funder === target) ||
    (kind === "call" && live.call === target);
  const mails: PlannedMail[] = [];
  for (const person of people) {
    const row = rows.find((r) => r.user === person.id && matches(r.kind, r.target));
    if (!row) continue;
    const locale: Locale = person.locale ?? "en";
    const post = toPublicPost(locale, live);
    const kind = row.kind as FollowKind;
    const target = row.target as string;
    const value =
      kind === "care_setting" || kind === "ai_type"
        ? codeLabel(locale, kind, target)
        : kind === "organization"
          ? (post.organization?.name ?? "")
          : kind === "funder"
            ? (post.funding?.funderName ?? "")
            : kind === "call"
              ? (post.funding?.call?.title ?? "")
              : target;
    mails.push({
      to: person.email,
      user: person.id,
      template: "follow_post",
      locale,
      params: {
        title: post.title,
        byline: post.byline,
        follow: t(locale, "common.label_value", { label: t(locale, `follow.kind.${kind}` as MessageKey), value }),
        link: siteLink(locale, `/posts/${post.slug}`),
        settings: siteLink(locale, "/account/follows"),
        name: person.name,
      },
      category: FOLLOWS_CATEGORY,
      group_key: "",
      next_attempt_at: "",
    });
  }
  return mails;
}
