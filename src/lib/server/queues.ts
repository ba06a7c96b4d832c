// What people see of posts that are not public: the author's dashboard, the DPO queue,
// the moderation queue, and one post's private view with its history and diff.
import { diffWords } from "diff";
import type { RecordModel } from "pocketbase";
import { attachmentFindings, attachmentReports, type AttachmentReport } from "./attachments.ts";
import { assertCan, can } from "./can.ts";
import { publishedAbout } from "./discussions/discussions.ts";
import { listFlags } from "./flags.ts";
import { awaitsConsent } from "./funding.ts";
import { canViewPrivately, claimLapsed, loadPost, postSubject, reviewState } from "./moderation.ts";
import { getPocketBase } from "./pocketbase.ts";
import { CONTENT_FIELDS } from "./postinput.ts";
import type { Locale } from "../../i18n/index.ts";
import { descriptorFor, loadCrowd } from "./anonymity.ts";
import { aboutKeptPrivate, aboutOf, hidesSomeone, toPublicPost, type PublicPost } from "./posts.ts";
import type { PrivacyFinding } from "./privacy.ts";
import type { Actor } from "./users.ts";

function summary(post: RecordModel): QueueItem {
  const revision = post.expand?.pending_revision;
  const data = revision ? revision.data : post;
  const all = [...((data?.privacy_findings ?? []) as PrivacyFinding[]), ...attachmentFindings(post)];
  const findings = all.filter((f) => !f.dismissed);
  return {
    id: post.id,
    slug: post.slug,
    kind: post.kind,
    title: data?.title ?? post.title,
    // The title is in the post's language, not the interface's (tagged with lang where shown).
    language: data?.language || post.language || "",
    status: post.status,
    reviewState: reviewState(post),
    isRevision: Boolean(revision),
    organization: post.expand?.organization?.name ?? "",
    organizationId: post.organization,
    author: post.expand?.author?.name ?? null,
    anonymous: Boolean(post.anonymous),
    submittedAt: post.submitted_at || null,
    updated: post.updated,
    feedback: post.feedback || "",
    openFindings: findings.length,
    // What the author declared "not personal data", with why: these most need a second look (issue 11 §10).
    dismissedFindings: all.filter((f) => f.dismissed).map((f) => ({ kind: f.kind, excerpt: f.excerpt, reason: f.dismissed?.reason ?? "" })),
    // "lapsed": unanswered past its deadline, so reviewable and published anonymised (issue 11 §13).
    consent:
      post.kind === "funding_application" ? (post.consent === "requested" && !awaitsConsent(post) ? "lapsed" : post.consent || "not_needed") : "not_needed",
    publishedBy: post.published_by || "applicant",
    claimedBy: post.expand?.claimed_by?.name ?? null,
    claimedById: post.claimed_by || null,
    claimLapsed: reviewState(post) === "in_review" && claimLapsed(post),
  };
}

/** The author's posts in organisations they still belong to, newest change first, with status and moderator feedback. */
export async function listMyPosts(actor: Actor | null): Promise<QueueItem[]> {
  if (!actor) return [];
  const pb = await getPocketBase();
  const posts = await pb
    .collection("posts")
    .getFullList({ filter: pb.filter("author = {:a}", { a: actor.id }), sort: "-updated", expand: "organization,pending_revision,claimed_by" });
  // A post belongs to its organisation: someone who left it no longer follows its drafts (issue 9 §17).
  return posts.filter((p) => actor.memberships.some((m) => m.organizationId === p.organization)).map(summary);
}

/**
 * What reviewers said about the author's posts: a request for changes (with the author's
 * answer so far, and whether they may answer), a note on approval, a rejection (issue 11 §11).
 */
export async function listReviewerNotes(actor: Actor | null): Promise<ReviewerNote[]> {
  if (!actor) return [];
  const pb = await getPocketBase();
  const posts = await pb.collection("posts").getFullList({
    filter: pb.filter("author = {:a} && feedback != ''", { a: actor.id }),
    sort: "-updated",
    expand: "organization,pending_revision,claimed_by",
  });
  const notes: ReviewerNote[] = [];
  for (const post of posts.filter((p) => actor.memberships.some((m) => m.organizationId === p.organization))) {
    const item = summary(post);
    const events = await pb
      .collection("moderation_events")
      .getFullList({ filter: pb.filter("post = {:p}", { p: post.id }), sort: "created", fields: "action,note,created" });
    // The feedback field holds the latest reviewer's note; the latest decision says what it was about.
    const last = events.filter((e) => NOTE_KINDS[e.action]).pop();
    const kind = last ? NOTE_KINDS[last.action]! : null;
    if (!kind || (kind === "changes" && item.reviewState !== "changes_requested")) continue;
    notes.push({ item, kind, reply: latestReply(events), canReply: can(actor, "post.reply", postSubject(post)) });
  }
  return notes;
}

const NOTE_KINDS: Record<string, ReviewerNote["kind"]> = {
  request_changes: "changes",
  dpo_return: "changes",
  approve: "approved",
  approve_revision: "approved",
  reject: "rejected",
  reject_revision: "rejected",
};

/** Posts waiting for the sign-off of a DPO of the actor's organisations. */
export async function listDpoQueue(actor: Actor | null): Promise<QueueItem[]> {
  const orgs = actor?.memberships.filter((m) => m.role === "dpo").map((m) => m.organizationId) ?? [];
  if (orgs.length === 0) return [];
  const pb = await getPocketBase();
  const filter = `(${orgs.map((_, i) => `organization = {:o${i}}`).join(" || ")}) && (status = 'dpo_review' || revision_status = 'dpo_review')`;
  const params = Object.fromEntries(orgs.map((o, i) => [`o${i}`, o]));
  const posts = await pb
    .collection("posts")
    .getFullList({ filter: pb.filter(filter, params), sort: "submitted_at", expand: "organization,pending_revision,claimed_by,author" });
  // A DPO never signs off what they wrote themselves (can.ts), so it is not their task either.
  return posts.filter((p) => p.author !== actor!.id).map(summary);
}

/** The moderation queue, oldest first, with filters. */
export async function listModerationQueue(actor: Actor | null, filters: QueueFilters = {}): Promise<QueueItem[]> {
  assertCan(actor, "post.hide");
  const pb = await getPocketBase();
  const parts = ["(status = 'submitted' || status = 'in_review' || revision_status = 'submitted' || revision_status = 'in_review')"];
  const params: Record<string, string> = {};
  if (filters.kind) {
    parts.push("kind = {:kind}");
    params.kind = filters.kind;
  }
  if (filters.organization) {
    parts.push("organization = {:org}");
    params.org = filters.organization;
  }
  if (filters.minWaitHours) {
    parts.push("submitted_at <= {:before}");
    params.before = new Date(Date.now() - filters.minWaitHours * 3600_000).toISOString().replace("T", " ");
  }
  const posts = await pb
    .collection("posts")
    .getFullList({ filter: pb.filter(parts.join(" && "), params), sort: "submitted_at", expand: "organization,pending_revision,claimed_by" });
  let items = posts.map(summary);
  if (filters.withFindings) items = items.filter((i) => i.openFindings > 0 || i.dismissedFindings.length > 0);
  return items;
}

/**
 * Funders' decision records waiting for a moderator, each with what will be public and who
 * it names, for reviewing them in one list and approving several at once (issue 11 §10).
 */
export async function listPendingDecisions(actor: Actor | null, locale: Locale): Promise<PendingDecision[]> {
  assertCan(actor, "post.hide");
  const pb = await getPocketBase();
  const posts = await pb.collection("posts").getFullList({
    filter: "kind = 'funding_application' && published_by = 'funder' && pending_revision = '' && (status = 'submitted' || status = 'in_review')",
    sort: "submitted_at",
    expand: "organization,pending_revision,claimed_by,applicant_organization,call,funder,author",
  });
  return posts.map((post) => {
    const item = summary(post);
    const subject = postSubject(post);
    const claimedElsewhere = item.reviewState === "in_review" && item.claimedById !== actor.id;
    return {
      item,
      post: toPublicPost(locale, { ...post, published_at: "" } as RecordModel),
      applicant: post.expand?.applicant_organization?.name ?? (post.applicant_name || null),
      // What approvePost would refuse, or what needs a look of its own, is not offered for bulk approval.
      approvable: can(actor, "post.moderate", subject) && item.openFindings === 0 && item.consent !== "requested" && !claimedElsewhere,
    };
  });
}

/** Posts currently hidden (by a moderator or by flags), for moderators. */
export async function listHiddenPosts(actor: Actor | null): Promise<QueueItem[]> {
  assertCan(actor, "post.restore");
  const pb = await getPocketBase();
  const posts = await pb.collection("posts").getFullList({ filter: "status = 'hidden'", sort: "-updated", expand: "organization,pending_revision,claimed_by" });
  return posts.map(summary);
}

/** One post's private view: content under review, findings, history, diff, flags. */
export async function getPrivatePost(actor: Actor | null, postId: string): Promise<PrivatePost | null> {
  const post = await loadPost(postId).catch(() => null);
  if (!post || !canViewPrivately(actor, post)) return null;
  const moderatorView = Boolean(actor && (actor.role === "moderator" || actor.role === "admin"));
  const pb = await getPocketBase();
  const revision = post.expand?.pending_revision;
  const data = (revision ? revision.data : post) as Record<string, unknown>;
  // The whole history is the moderators'; the organisation's DPO reads only the author's answer to a request for changes.
  const dpoView = !moderatorView && can(actor, "post.dpo_review", postSubject(post));
  const events =
    moderatorView || dpoView
      ? await pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p}", { p: post.id }), sort: "created", expand: "actor" })
      : [];
  return {
    item: summary(post),
    subject: postSubject(post),
    data,
    live: revision ? (Object.fromEntries(CONTENT_FIELDS.map((f) => [f, post[f]])) as Record<string, unknown>) : null,
    diff: revision ? diffContent(post, revision.data ?? {}) : [],
    findings: (data.privacy_findings ?? []) as PrivacyFinding[],
    attachmentReports: attachmentReports(post),
    history: (moderatorView ? events : []).map((e) => ({
      action: e.action,
      from: e.from_status,
      to: e.to_status,
      actor: historyActor(e),
      reason: e.reason_code,
      note: e.note,
      at: e.created,
    })),
    flags: moderatorView ? await listFlags(post.id) : [],
    authorName: moderatorView ? (post.expand?.author?.name ?? null) : null,
    authorGone: moderatorView && !post.expand?.author,
    identity: await reviewIdentity(post, data, moderatorView || dpoView),
    authorReply: latestReply(events),
  };
}

/** The author's answer to the latest "changes requested" (by a moderator or the DPO), if they wrote one since. */
function latestReply(events: RecordModel[]): { note: string; at: string } | null {
  let reply: { note: string; at: string } | null = null;
  for (const e of events) {
    if (e.action === "request_changes" || e.action === "dpo_return") reply = null;
    else if (e.action === "author_reply") reply = { note: e.note, at: e.created };
  }
  return reply;
}

/** Everything that names or could name who is behind a post, for those who review it (issue 11 §8). */
async function reviewIdentity(post: RecordModel, data: Record<string, unknown>, reviewer: boolean): Promise<ReviewIdentity> {
  const applicantOrg = post.expand?.applicant_organization;
  const pb = await getPocketBase();
  const counterpart = post.counterpart
    ? await pb
        .collection("posts")
        .getOne(post.counterpart, { fields: "id,title,status" })
        .catch(() => null)
    : null;
  // Only its reviewers learn that a discussion is about a post of its own organisation that hides it
  // (its author may not know whose that post is: discussions.ts resolveAbout).
  const about = Array.isArray(data.about) ? (data.about as string[]) : [];
  const unlinked =
    reviewer && post.kind === "discussion" && about.length > 0
      ? aboutKeptPrivate({ ...post, ...data, expand: { about: await publishedAbout(about) } } as unknown as RecordModel)
      : [];
  return {
    unlinked,
    organization: post.expand?.organization?.name ?? "",
    anonymous: Boolean(data.anonymous ?? post.anonymous),
    publishedBy: post.kind === "funding_application" ? post.published_by || "applicant" : null,
    applicant:
      post.kind === "funding_application" && post.published_by === "funder"
        ? {
            name: applicantOrg?.name ?? (post.applicant_name || null),
            anonymised: Boolean(post.applicant_anonymous),
            region: post.applicant_region || null,
            kind: post.applicant_kind || null,
            consent: post.consent === "requested" && !awaitsConsent(post) ? "lapsed" : post.consent || "not_needed",
          }
        : null,
    counterpart: counterpart ? { id: counterpart.id, title: counterpart.title, status: counterpart.status } : null,
  };
}

/** The post (or its pending revision) projected exactly as the public would see it once published. */
export async function getPreviewPost(actor: Actor | null, locale: Locale, postId: string): Promise<PublicPost | null> {
  const post = await loadPost(postId).catch(() => null);
  if (!post || !canViewPrivately(actor, post)) return null;
  const pb = await getPocketBase();
  // `about`: a discussion's preview shows what it is about, as its page will (issue 14).
  const full = await pb.collection("posts").getOne(post.id, { expand: "organization,call,funder,about" });
  const revision = post.expand?.pending_revision;
  // Never "Published on <today>" for a draft (issue 11 §6): only a real publication date shows.
  const live = { ...full, ...(revision?.data ?? {}), published_at: full.published_at || "" } as RecordModel;
  const shown = toPublicPost(locale, live);
  // Every link its author made, even one the public will not see: showing them which are left out
  // would tell a member which pseudonymous posts are their own organisation's (posts.ts aboutOf).
  return shown.discussion ? { ...shown, discussion: { ...shown.discussion, about: aboutOf(live, true) } } : shown;
}

/** The post (or its pending revision) rendered as the public would see it, for its DPO and moderators: dated only if really published. */
export async function getReviewPost(actor: Actor | null, locale: Locale, postId: string): Promise<PublicPost | null> {
  const post = await loadPost(postId).catch(() => null);
  if (!post || !canViewPrivately(actor, post)) return null;
  const pb = await getPocketBase();
  const full = await pb.collection("posts").getOne(post.id, { expand: "organization,call,funder,applicant_organization,counterpart,about" });
  const revision = post.expand?.pending_revision;
  const live = { ...full, ...(revision?.data ?? {}), published_at: full.published_at || "" } as RecordModel;
  // Under the descriptor the crowd allows today, as approvePost would publish it — not the
  // coarse placeholder stored until then (anonymity.ts).
  if (hidesSomeone(live)) live.public_descriptor = descriptorFor(live, await loadCrowd()) || live.public_descriptor;
  return toPublicPost(locale, live);
}

const DIFFED = [
  "title",
  "summary",
  "body_md",
  "lessons_md",
  "data_sources",
  "funder_feedback_md",
  "reflection_md",
  "outcome",
  "lifecycle_stage",
  "decision",
  "tags",
  "care_settings",
  "ai_types",
  "anonymous",
  // A funder's recorded decision: its reasons and figures are what an edit of it changes.
  "rejection_note",
  "rejection_reasons",
  "amount_requested",
  "amount_awarded",
  "decided_on",
  "language",
] as const;

const DATE_FIELDS = new Set<string>(["decided_on"]);

// Words and spaces count as separate tokens, so about 500 changed words per field.
const DIFF_MAX_EDITS = 1000;

/** A readable word diff between the live version and the proposed revision (a field rewritten wholesale shows as removed, then added). */
export function diffContent(live: Record<string, unknown>, proposed: Record<string, unknown>): FieldDiff[] {
  // A stored date carries a time ("2026-03-31 00:00:00.000Z") that an edit's form value ("2026-03-31") does not: the day is what changes.
  const asText = (v: unknown, field: string) =>
    Array.isArray(v) ? v.join(", ") : v === undefined || v === null ? "" : DATE_FIELDS.has(field) ? String(v).slice(0, 10) : String(v);
  const out: FieldDiff[] = [];
  for (const field of DIFFED) {
    const before = asText(live[field], field);
    const after = asText(proposed[field], field);
    if (before === after) continue;
    // Myers' diff is O(N·D): two unrelated 100 KB bodies took 35 s on the server's thread.
    // Past DIFF_MAX_EDITS word edits the field is shown as replaced, which is what it is.
    // A date is replaced whole: "2026-03-31" → "2026-04-02", not a diff of its digits.
    const changes = DATE_FIELDS.has(field) ? undefined : diffWords(before, after, { maxEditLength: DIFF_MAX_EDITS });
    const parts: FieldDiff["parts"] = changes
      ? changes.map((p) => ({ text: p.value, change: p.added ? "added" : p.removed ? "removed" : "same" }))
      : [...(before ? [{ text: before, change: "removed" as const }] : []), ...(after ? [{ text: after, change: "added" as const }] : [])];
    out.push({ field, parts });
  }
  return out;
}

/** Moderation queue filters. */
export type QueueFilters = { kind?: string; organization?: string; minWaitHours?: number; withFindings?: boolean };
/** A line in a dashboard or queue. */
export type QueueItem = {
  id: string;
  slug: string;
  kind: string;
  title: string;
  language: string;
  status: string;
  reviewState: string;
  isRevision: boolean;
  organization: string;
  organizationId: string;
  /** The author's name, where the listing loads it (the DPO's sign-off list). */
  author: string | null;
  anonymous: boolean;
  submittedAt: string | null;
  updated: string;
  feedback: string;
  openFindings: number;
  dismissedFindings: { kind: string; excerpt: string; reason: string }[];
  /** A funding record's consent state (`requested`: not claimable until the applicant answers). */
  consent: string;
  publishedBy: string;
  claimedBy: string | null;
  claimedById: string | null;
  /** In review under a claim another moderator may take over (moderation.ts claimLapsed). */
  claimLapsed: boolean;
};
/** A reviewer's note on one of the author's posts. */
export type ReviewerNote = { item: QueueItem; kind: "changes" | "approved" | "rejected"; reply: { note: string; at: string } | null; canReply: boolean };
/** A funder's record in the bulk approval list. */
export type PendingDecision = { item: QueueItem; post: PublicPost; applicant: string | null; approvable: boolean };
/** One changed field in a revision diff. */
export type FieldDiff = { field: string; parts: { text: string; change: "added" | "removed" | "same" }[] };
/** The private view of a post. */
export type PrivatePost = {
  item: QueueItem;
  subject: ReturnType<typeof postSubject>;
  data: Record<string, unknown>;
  live: Record<string, unknown> | null;
  diff: FieldDiff[];
  findings: PrivacyFinding[];
  /** What was stripped from each attachment and what the guard found in it. */
  attachmentReports: AttachmentReport[];
  history: { action: string; from: string; to: string; actor: HistoryActor; reason: string; note: string; at: string }[];
  flags: Awaited<ReturnType<typeof listFlags>>;
  /** The author's name, for moderators only (null otherwise, and when the account is gone: authorGone). */
  authorName: string | null;
  /** For moderators: the author's account was deleted (shown as a former member). */
  authorGone: boolean;
  identity: ReviewIdentity;
  /** The author's answer to the latest request for changes (moderators only). */
  authorReply: { note: string; at: string } | null;
};
/** Who is behind a post, as its reviewers see it. */
export type ReviewIdentity = {
  organization: string;
  anonymous: boolean;
  publishedBy: string | null;
  applicant: { name: string | null; anonymised: boolean; region: string | null; kind: string | null; consent: string } | null;
  counterpart: { id: string; title: string; status: string } | null;
  /** What a discussion is about that the public never sees it linked to (posts.ts aboutLinkShown): for its reviewers only. */
  unlinked: { id: string; title: string }[];
};

// Steps Casebook takes itself (a trusted reader's report hiding a post, the demo's content): no actor.
const SYSTEM_ACTIONS: ReadonlySet<string> = new Set(["auto_hide", "auto_hide_reply", "demo_import"]);

// A person by name; for any other step without one, its person deleted their account since (PocketBase
// empties the link): "a former member" — not Casebook, which took none of those steps.
function historyActor(event: RecordModel): HistoryActor {
  const name = event.expand?.actor?.name;
  if (name) return { kind: "person", name: String(name) };
  return SYSTEM_ACTIONS.has(String(event.action)) ? { kind: "system" } : { kind: "former" };
}

/** Who took a step in a post's history. */
export type HistoryActor = { kind: "person"; name: string } | { kind: "former" } | { kind: "system" };
