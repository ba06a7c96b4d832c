// Reader flags on published posts (issue 9 §13). A patient-data flag always goes to the
// top of the moderators' queue; it hides the post at once only when its reporter is
// trusted (see `isTrustedReporter`). Three distinct trusted flaggers hide it too. Flags
// per account and hides per account are capped per day, so one account — or a handful of
// fresh ones — cannot take the platform's content offline. The author never learns who flagged.
import type { RecordModel } from "pocketbase";
import { FLAG_REASONS } from "../codelists.ts";
import { assertCan } from "./can.ts";
import { currentDate } from "./clock.ts";
import { RateLimitedError, ValidationError } from "./errors.ts";
import { autoHidePost, loadPost, postSubject } from "./moderation.ts";
import { getPocketBase } from "./pocketbase.ts";
import { randomRecordId } from "./ids.ts";
import { inTurn } from "./leases.ts";
import { prepareNotices, writeNotices } from "./notify.ts";
import type { Actor } from "./users.ts";
import { say } from "../../i18n/domain.ts";

/** Distinct open flags from trusted reporters that hide a post without a moderator. */
export const FLAGS_TO_HIDE = 3;
/** Flags one account may file per 24 hours. */
export const FLAGS_PER_DAY = 10;
/** Posts one account's flags may hide per 24 hours. */
export const HIDES_PER_DAY = 3;
/** How long an active membership of a verified organisation must have lasted to be trusted. */
export const TRUST_MEMBERSHIP_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a reporter's flags may hide posts on their own: an active member of a verified
 * organisation (someone a verified organisation vouches for) who has been one for at least
 * TRUST_MEMBERSHIP_DAYS days or has authored a published post. A fresh account, or a fresh
 * membership, cannot take content offline; it can still report, and moderators see it first.
 */
export async function isTrustedReporter(actor: Actor, now = currentDate()): Promise<boolean> {
  const verifiedOrgs = actor.memberships.filter((m) => m.organizationVerified).map((m) => m.organizationId);
  if (verifiedOrgs.length === 0) return false;
  const pb = await getPocketBase();
  const since = new Date(now.getTime() - TRUST_MEMBERSHIP_DAYS * DAY_MS);
  const orgFilter = verifiedOrgs.map((_, i) => `organization = {:o${i}}`).join(" || ");
  const orgParams = Object.fromEntries(verifiedOrgs.map((o, i) => [`o${i}`, o]));
  const old = await pb.collection("memberships").getList(1, 1, {
    filter: pb.filter(`user = {:u} && status = 'active' && created <= {:since} && (${orgFilter})`, { u: actor.id, since, ...orgParams }),
    fields: "id",
  });
  if (old.totalItems > 0) return true;
  const published = await pb.collection("posts").getList(1, 1, { filter: pb.filter("author = {:u} && status = 'published'", { u: actor.id }), fields: "id" });
  return published.totalItems > 0;
}

async function countSince(filter: string, params: Record<string, unknown>): Promise<number> {
  const pb = await getPocketBase();
  return (await pb.collection("flags").getList(1, 1, { filter: pb.filter(filter, params), fields: "id" })).totalItems;
}

/**
 * Runs one report of `reporterId`, from its checks to its hide, while no other report of theirs
 * runs (leases.ts inTurn): the daily allowances are read before they are spent, and two reports at
 * once would each read an unspent allowance — a trusted reader's simultaneous reports would hide
 * any number of posts.
 */
export function inReporterTurn<T>(reporterId: string, report: () => Promise<T>): Promise<T> {
  return inTurn(`flags:${reporterId}`, report, () => new RateLimitedError(say("domain.flag.busy")));
}

/** Flags a published post; returns whether the post was hidden as a result. */
export async function flagPost(actor: Actor | null, postId: string, reason: string, note = ""): Promise<{ hidden: boolean }> {
  const post = await loadPost(postId);
  assertCan(actor, "post.flag", postSubject(post));
  if (!(FLAG_REASONS as readonly string[]).includes(reason)) throw new ValidationError("reason", say("domain.flag.reason"));
  return inReporterTurn(actor.id, () => filePostFlag(actor, post, reason, note));
}

async function filePostFlag(actor: Actor, post: RecordModel, reason: string, note: string): Promise<{ hidden: boolean }> {
  const pb = await getPocketBase();
  const already = await pb
    .collection("flags")
    .getList(1, 1, { filter: pb.filter("post = {:p} && reply = '' && reporter = {:r}", { p: post.id, r: actor.id }) });
  if (already.totalItems > 0) throw new ValidationError("reason", say("domain.flag.already"));
  const dayAgo = new Date(Date.now() - DAY_MS);
  if ((await countSince("reporter = {:r} && created >= {:since}", { r: actor.id, since: dayAgo })) >= FLAGS_PER_DAY) {
    throw new RateLimitedError(say("domain.flag.per_day", { count: FLAGS_PER_DAY }));
  }
  const trusted = await isTrustedReporter(actor);
  // A patient-data report tells the moderators at once, in the same batch as the flag (issue 13 §1).
  const notices =
    reason === "patient_data"
      ? await prepareNotices("patient_data_flag", { actorId: actor.id, authorId: post.author }, () => ({
          params: { title: post.title },
          path: `/moderation/posts/${post.id}`,
        }))
      : [];
  const flagId = randomRecordId();
  const batch = pb.createBatch();
  batch
    .collection("flags")
    .create({ id: flagId, post: post.id, reporter: actor.id, reason, note: note.trim().slice(0, 2000), status: "open", trusted, hid: false });
  writeNotices(batch, notices);
  await batch.send();
  const flag = { id: flagId } as RecordModel;
  if (!trusted) return { hidden: false };
  // The hide allowance counts the posts this account's flags hid in the last day.
  if ((await countSince("reporter = {:r} && hid = true && created >= {:since}", { r: actor.id, since: dayAgo })) >= HIDES_PER_DAY) return { hidden: false };
  if (reason === "patient_data") return hideFor(post, flag, "Hidden automatically: a trusted reader reported patient data.");
  // Flags on the post itself: a discussion's replies are flagged (and hidden) one by one (replies.ts).
  const trustedOpen = await countSince("post = {:p} && reply = '' && status = 'open' && trusted = true", { p: post.id });
  if (trustedOpen >= FLAGS_TO_HIDE) return hideFor(post, flag, `Hidden automatically: ${trustedOpen} trusted readers flagged it.`);
  return { hidden: false };
}

async function hideFor(post: RecordModel, flag: RecordModel, why: string): Promise<{ hidden: boolean }> {
  const pb = await getPocketBase();
  await autoHidePost(post, why);
  await pb.collection("flags").update(flag.id, { hid: true });
  return { hidden: true };
}

/** Posts with open reader reports, patient-data reports first, then oldest first: the top of the moderators' queue. */
export async function listReportedPosts(actor: Actor | null): Promise<ReportedPost[]> {
  assertCan(actor, "post.hide");
  const pb = await getPocketBase();
  const flags = await pb.collection("flags").getFullList({ filter: "status = 'open' && reply = ''", sort: "created", expand: "post,post.organization" });
  const byPost = new Map<string, ReportedPost>();
  for (const f of flags) {
    const post = f.expand?.post;
    if (!post) continue;
    const item = byPost.get(post.id) ?? {
      id: post.id,
      slug: post.slug,
      title: post.title,
      status: post.status,
      organization: post.expand?.organization?.name ?? "",
      patientData: false,
      flags: 0,
      trustedFlags: 0,
      firstReportedAt: f.created,
    };
    item.flags += 1;
    if (f.trusted) item.trustedFlags += 1;
    if (f.reason === "patient_data") item.patientData = true;
    byPost.set(post.id, item);
  }
  return [...byPost.values()].sort((a, b) => Number(b.patientData) - Number(a.patientData) || a.firstReportedAt.localeCompare(b.firstReportedAt));
}

/** A post with open reports, as the moderators' queue shows it. */
export type ReportedPost = {
  id: string;
  slug: string;
  title: string;
  status: string;
  organization: string;
  patientData: boolean;
  flags: number;
  trustedFlags: number;
  firstReportedAt: string;
};

/** Open flags of a post, for moderators (who may see reporters). */
export async function listFlags(
  postId: string,
): Promise<{ id: string; reason: string; note: string; status: string; reporter: string; created: string; trusted: boolean }[]> {
  const pb = await getPocketBase();
  const flags = await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p}", { p: postId }), expand: "reporter", sort: "created" });
  return flags.map((f) => ({
    id: f.id,
    reason: f.reason,
    note: f.note,
    status: f.status,
    reporter: f.expand?.reporter?.name ?? "",
    created: f.created,
    trusted: Boolean(f.trusted),
  }));
}
