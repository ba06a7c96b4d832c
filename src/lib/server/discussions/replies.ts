// Replies (issue 14 §2): flat, chronological answers under a published discussion or round
// table summary, each "in reply to" at most one earlier reply. A reply is published at once or
// waits for a moderator by the rules of replyrules.ts; every transition checks can() and writes
// the reply, a moderation_events row (with `reply`) and a search_outbox upsert of its post — the
// thread's search document holds its published replies' text — in ONE batch, with its notices.
// The public projection (toPublicReply) never shows who wrote an anonymous reply: only the
// descriptor chosen from the crowd of verified organisations, as for posts.
import type { RecordModel } from "pocketbase";
import { z } from "zod";
import type { Locale } from "../../../i18n/index.ts";
import { say } from "../../../i18n/domain.ts";
import { FLAG_REASONS, LANGUAGES } from "../../codelists.ts";
import { describeAnonymously, renderDescriptor } from "../anonymity.ts";
import { assertCan, can, type Subject } from "../can.ts";
import { currentDate } from "../clock.ts";
import { RateLimitedError, ValidationError } from "../errors.ts";
import { FLAGS_PER_DAY, FLAGS_TO_HIDE, HIDES_PER_DAY, inReporterTurn, isTrustedReporter } from "../flags.ts";
import { randomRecordId } from "../ids.ts";
import { renderUntrustedMarkdown, renderedHtmlToPlainText } from "../markdown.ts";
import { loadPeople, planNotices, prepareNotices, routeNotice, writeNotices, type PlannedNotice } from "../notify.ts";
import { getPocketBase } from "../pocketbase.ts";
import { hasBlockingFindings, scanFields, scanNames, type PrivacyFinding } from "../privacy.ts";
import type { Actor } from "../users.ts";
import { knowsWhoseItIs } from "./discussions.ts";
import { editWindowOpen, holdReasons, quoteExcerpt, slowModeMinutesLeft, type HoldReason } from "./replyrules.ts";

type Batch = ReturnType<Awaited<ReturnType<typeof getPocketBase>>["createBatch"]>;
const ID = /^[a-z0-9]{15}$/;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Longest reply, in characters of Markdown. */
export const REPLY_MAX_CHARS = 20_000;
/** Slow mode's longest interval (a day), as the schema allows. */
export const SLOW_MODE_MAX_MINUTES = 1440;

const optionalId = z.preprocess((v) => (v === "" || v == null ? undefined : v), z.string().regex(ID).optional());

/** A reply as the form sends it. */
export const replyInputSchema = z.object({
  body: z
    .string()
    .trim()
    .min(1, { error: say("domain.reply.body_empty") })
    .max(REPLY_MAX_CHARS, { error: say("domain.reply.body_long", { max: REPLY_MAX_CHARS }) }),
  language: z.enum(LANGUAGES, { error: say("domain.reply.language") }),
  // "" speaks under one's own name (accounts without a verified organisation only).
  organization: optionalId,
  anonymous: z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean()),
  in_reply_to: optionalId,
});
/** A parsed reply form. */
export type ReplyInput = z.infer<typeof replyInputSchema>;

async function loadThread(postId: string): Promise<RecordModel> {
  if (!ID.test(postId)) throw new ValidationError("post", say("domain.reply.no_thread"));
  const pb = await getPocketBase();
  const post = await pb
    .collection("posts")
    .getOne(postId, { expand: "organization" })
    .catch(() => null);
  if (!post) throw new ValidationError("post", say("domain.reply.no_thread"));
  return post;
}

async function loadReply(replyId: string): Promise<RecordModel> {
  if (!ID.test(replyId)) throw new ValidationError("reply", say("domain.reply.not_found"));
  const pb = await getPocketBase();
  const reply = await pb
    .collection("replies")
    .getOne(replyId, { expand: "post,organization,author" })
    .catch(() => null);
  if (!reply) throw new ValidationError("reply", say("domain.reply.not_found"));
  return reply;
}

/** The can() subject of a discussion (or summary) post. */
export function threadSubject(post: RecordModel): Subject {
  const org = post.expand?.organization;
  return {
    organization: org ? { id: org.id, verified: Boolean(org.verified) } : undefined,
    post: { kind: post.kind, authorId: post.author || null, status: post.status, locked: Boolean(post.locked) },
  };
}

/** The can() subject of a reply. */
export function replySubject(reply: RecordModel): Subject {
  return { reply: { authorId: reply.author || null, organizationId: reply.organization || null, status: reply.status } };
}

function event(batch: Batch, reply: RecordModel | { id: string; post: string }, actor: Actor | null, action: string, from: string, to: string, note = "") {
  batch.collection("moderation_events").create({ post: reply.post, reply: reply.id, actor: actor?.id ?? "", action, from_status: from, to_status: to, note });
}

// The thread's search document holds its published replies: any change to one re-indexes the thread.
function reindex(batch: Batch, postId: string) {
  batch.collection("search_outbox").create({ record: postId, collection_name: "posts", op: "upsert", attempts: 0 });
}

/** Who speaks for a reply: an organisation the actor is an active member of (by name or its descriptor), or themselves. */
async function speakerOf(actor: Actor, input: Pick<ReplyInput, "organization" | "anonymous">) {
  const verified = actor.memberships.filter((m) => m.organizationVerified);
  if (!input.organization) {
    // Without a verified organisation one speaks under one's own name, never pseudonymously:
    // a descriptor is a crowd of verified organisations, which such an account belongs to none of.
    if (verified.length > 0) throw new ValidationError("organization", say("domain.reply.choose_organization"));
    if (input.anonymous) throw new ValidationError("anonymous", say("domain.reply.anonymous_needs_org"));
    return { organization: "", anonymous: false, public_descriptor: "" };
  }
  const membership = verified.find((m) => m.organizationId === input.organization);
  if (!membership) throw new ValidationError("organization", say("domain.reply.not_your_organization"));
  if (!input.anonymous) return { organization: membership.organizationId, anonymous: false, public_descriptor: "" };
  const pb = await getPocketBase();
  const org = await pb.collection("organizations").getOne(membership.organizationId, { fields: "kind,region,country" });
  const descriptor = await describeAnonymously({ kind: String(org.kind), region: org.region, country: org.country });
  return { organization: membership.organizationId, anonymous: true, public_descriptor: descriptor.code };
}

// A pseudonymous reply's organisation, whose name the reply may not contain ([] for a named one).
async function hiddenNames(speaker: { organization: string; anonymous: boolean }): Promise<string[]> {
  if (!speaker.anonymous || !speaker.organization) return [];
  const pb = await getPocketBase();
  return [String((await pb.collection("organizations").getOne(speaker.organization, { fields: "name" })).name)];
}

async function scanReply(body: string, hidden: readonly string[]): Promise<{ html: string; findings: PrivacyFinding[] }> {
  const names = scanNames("body_md", body, hidden);
  // A pseudonymous reply naming its own organisation would say who wrote it: refused, never stored.
  if (names.length > 0) throw new ValidationError("body", say("domain.reply.hidden_name", { match: names[0]!.match }));
  const findings = scanFields({ body_md: body });
  // Patient identifiers are refused outright, as in posts: they are never stored, not even pending.
  if (hasBlockingFindings(findings)) {
    const first = findings.find((f) => f.blocking)!;
    throw new ValidationError("body", say("domain.reply.patient_data", { match: first.match }));
  }
  const html = await renderUntrustedMarkdown(body, { field: "body_md", headingOffset: 3 });
  return { html, findings };
}

async function publishedRepliesOf(userId: string): Promise<number> {
  const pb = await getPocketBase();
  return (await pb.collection("replies").getList(1, 1, { filter: pb.filter("author = {:u} && status = 'published'", { u: userId }), fields: "id" })).totalItems;
}

/** Writes a reply under a published, unlocked discussion or summary; returns its status and, when it waits, why. */
export async function postReply(actor: Actor | null, postId: string, raw: unknown): Promise<{ id: string; status: string; holdReasons: HoldReason[] }> {
  const post = await loadThread(postId);
  if (!actor) throw new ValidationError("body", say("domain.reply.sign_in"));
  if (post.status !== "published" || !(post.kind === "discussion" || post.kind === "round_table_summary")) {
    throw new ValidationError("post", say("domain.reply.no_thread"));
  }
  if (post.locked) throw new ValidationError("body", say("domain.reply.locked"));
  assertCan(actor, "discussion.reply", threadSubject(post));
  const parsed = replyInputSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(String(issue.path[0] ?? "body"), issue.message);
  }
  const input = parsed.data;
  const pb = await getPocketBase();
  const now = currentDate();
  const slow = Number(post.slow_mode_minutes) || 0;
  if (slow > 0) {
    const last = await pb.collection("replies").getList(1, 1, {
      filter: pb.filter("post = {:p} && author = {:u}", { p: post.id, u: actor.id }),
      sort: "-created",
      fields: "created",
    });
    const left = slowModeMinutesLeft(slow, last.items[0] ? new Date(last.items[0].created.replace(" ", "T")) : null, now);
    if (left > 0) throw new ValidationError("body", say("domain.reply.slow_mode", { minutes: slow, left }));
  }
  if (input.in_reply_to) {
    const quoted = await pb
      .collection("replies")
      .getOne(input.in_reply_to, { fields: "id,post,status" })
      .catch(() => null);
    if (!quoted || quoted.post !== post.id || quoted.status !== "published") throw new ValidationError("in_reply_to", say("domain.reply.quote_unknown"));
  }
  const speaker = await speakerOf(actor, input);
  // Under its own organisation's pseudonymous thread, one who knows whose it is (its author, the
  // organisation's editors…) replies pseudonymously too: by name, "thanks, we will try that" says who asked.
  if (post.anonymous && !speaker.anonymous && speaker.organization === post.organization && knowsWhoseItIs(actor, post)) {
    throw new ValidationError("anonymous", say("domain.reply.own_pseudonymous_thread"));
  }
  const { html, findings } = await scanReply(input.body, await hiddenNames(speaker));
  const reasons = holdReasons({
    verifiedMember: speaker.organization !== "",
    publishedReplies: await publishedRepliesOf(actor.id),
    privacyFindings: findings.length,
  });
  const status = reasons.length > 0 ? "pending" : "published";
  const id = randomRecordId();
  const reply = { id, post: post.id };
  const notices = status === "published" ? await publishedNotices(post, actor, id) : await heldNotices(post, actor, id);
  const batch = pb.createBatch();
  batch.collection("replies").create({
    id,
    post: post.id,
    author: actor.id,
    ...speaker,
    body_md: input.body,
    body_html: html,
    language: input.language,
    status,
    hold_reasons: reasons,
    privacy_findings: findings,
    history: [],
    in_reply_to: input.in_reply_to ?? "",
    published_at: status === "published" ? now.toISOString() : "",
  });
  event(batch, reply, actor, status === "published" ? "reply_published" : "reply_held", "", status, reasons.join(","));
  if (status === "published") reindex(batch, post.id);
  writeNotices(batch, notices);
  await batch.send();
  return { id, status, holdReasons: reasons };
}

/** The author edits their reply within the edit window; the earlier version goes into its history, and a privacy finding sends it back to the moderators. */
export async function editReply(actor: Actor | null, replyId: string, body: string): Promise<{ status: string; holdReasons: HoldReason[] }> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.edit", replySubject(reply));
  const now = currentDate();
  if (!editWindowOpen(new Date(reply.created.replace(" ", "T")), now)) throw new ValidationError("body", say("domain.reply.edit_closed"));
  const text = replyInputSchema.shape.body.safeParse(body);
  if (!text.success) throw new ValidationError("body", text.error.issues[0]!.message);
  const { html, findings } = await scanReply(
    text.data,
    await hiddenNames({ organization: String(reply.organization ?? ""), anonymous: Boolean(reply.anonymous) }),
  );
  const history = Array.isArray(reply.history) ? reply.history : [];
  const before = Array.isArray(reply.hold_reasons) ? (reply.hold_reasons as HoldReason[]) : [];
  const reasons: HoldReason[] = findings.length > 0 ? [...new Set<HoldReason>([...before, "privacy_finding"])] : before.filter((r) => r !== "privacy_finding");
  // A published reply stays published unless the edit gives the privacy guard something to look at.
  const status = reply.status === "pending" ? "pending" : findings.length > 0 ? "pending" : "published";
  const pb = await getPocketBase();
  const notices = status === "pending" && reply.status === "published" ? await heldNotices(reply.expand?.post, actor, reply.id) : [];
  const batch = pb.createBatch();
  batch.collection("replies").update(reply.id, {
    body_md: text.data,
    body_html: html,
    privacy_findings: findings,
    hold_reasons: status === "pending" ? (reasons.length > 0 ? reasons : before) : before,
    status,
    edited_at: now.toISOString(),
    history: [...history, { body_md: reply.body_md, edited_at: reply.edited_at || reply.created }],
  });
  event(batch, reply, actor, "reply_edited", reply.status, status);
  if (reply.status === "published") reindex(batch, reply.post);
  writeNotices(batch, notices);
  await batch.send();
  return { status, holdReasons: status === "pending" ? reasons : [] };
}

/** The author withdraws their reply; it leaves the thread (and its search document), and stops being the accepted answer. */
export async function withdrawReply(actor: Actor | null, replyId: string): Promise<void> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.withdraw", replySubject(reply));
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("replies").update(reply.id, { status: "withdrawn" });
  if (reply.expand?.post?.accepted_reply === reply.id) batch.collection("posts").update(reply.post, { accepted_reply: "" });
  event(batch, reply, actor, "reply_withdrawn", reply.status, "withdrawn");
  reindex(batch, reply.post);
  await batch.send();
}

/** A moderator publishes a pending reply. */
export async function approveReply(actor: Actor | null, replyId: string, note = ""): Promise<void> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.moderate", replySubject(reply));
  if (reply.status !== "pending") throw new ValidationError("reply", say("domain.reply.not_pending"));
  const post = reply.expand?.post as RecordModel;
  const notices = [...(await decisionNotices(reply, actor, "published", note)), ...(await publishedNotices(post, actor, reply.id, reply.author))];
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("replies").update(reply.id, { status: "published", published_at: reply.published_at || currentDate().toISOString() });
  event(batch, reply, actor, "approve_reply", "pending", "published", note.trim());
  reindex(batch, reply.post);
  writeNotices(batch, notices);
  await batch.send();
}

/** A moderator refuses a pending reply, with the reason its author is told; it is kept hidden. */
export async function rejectReply(actor: Actor | null, replyId: string, note: string): Promise<void> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.moderate", replySubject(reply));
  if (reply.status !== "pending") throw new ValidationError("reply", say("domain.reply.not_pending"));
  if (note.trim().length < 5) throw new ValidationError("note", say("domain.reply.reason_needed"));
  const notices = await decisionNotices(reply, actor, "rejected", note);
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("replies").update(reply.id, { status: "hidden" });
  event(batch, reply, actor, "reject_reply", "pending", "hidden", note.trim());
  reindex(batch, reply.post);
  writeNotices(batch, notices);
  await batch.send();
}

/** A moderator takes a published reply off the thread (and its search document). */
export async function hideReply(actor: Actor | null, replyId: string, note: string): Promise<void> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.moderate", replySubject(reply));
  if (reply.status !== "published") throw new ValidationError("reply", say("domain.reply.hide_published_only"));
  if (note.trim().length < 5) throw new ValidationError("note", say("domain.reply.reason_needed"));
  await hideInBatch(reply, actor, "hide_reply", note.trim(), await decisionNotices(reply, actor, "hidden", note));
}

async function hideInBatch(reply: RecordModel, actor: Actor | null, action: string, note: string, notices: PlannedNotice[]): Promise<void> {
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("replies").update(reply.id, { status: "hidden" });
  // A hidden answer no longer answers: the discussion is listed as unanswered until the asker marks another.
  if (reply.expand?.post?.accepted_reply === reply.id) batch.collection("posts").update(reply.post, { accepted_reply: "" });
  event(batch, reply, actor, action, "published", "hidden", note);
  reindex(batch, reply.post);
  writeNotices(batch, notices);
  await batch.send();
}

/** A moderator puts a hidden reply back; its open flags are dismissed. */
export async function restoreReply(actor: Actor | null, replyId: string, note = ""): Promise<void> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.moderate", replySubject(reply));
  if (reply.status !== "hidden") throw new ValidationError("reply", say("domain.reply.restore_hidden_only"));
  const pb = await getPocketBase();
  const flags = await pb.collection("flags").getFullList({ filter: pb.filter("reply = {:r} && status = 'open'", { r: reply.id }), fields: "id" });
  const notices = await decisionNotices(reply, actor, "restored", note);
  const batch = pb.createBatch();
  batch.collection("replies").update(reply.id, { status: "published", published_at: reply.published_at || currentDate().toISOString() });
  for (const f of flags) batch.collection("flags").update(f.id, { status: "dismissed", resolved_by: actor.id });
  event(batch, reply, actor, "restore_reply", "hidden", "published", note.trim());
  reindex(batch, reply.post);
  writeNotices(batch, notices);
  await batch.send();
}

/**
 * A reader reports a published reply, under the rules of post flags (flags.ts): a trusted
 * reporter's patient-data report hides it at once, as do FLAGS_TO_HIDE trusted reports; fresh
 * accounts report without hiding, and the daily allowances are shared with post flags.
 */
export async function flagReply(actor: Actor | null, replyId: string, reason: string, note = ""): Promise<{ hidden: boolean }> {
  const reply = await loadReply(replyId);
  assertCan(actor, "reply.flag", replySubject(reply));
  if (!(FLAG_REASONS as readonly string[]).includes(reason)) throw new ValidationError("reason", say("domain.flag.reason"));
  // The allowances are shared with post flags, and spent in the same turn (flags.ts inReporterTurn).
  return inReporterTurn(actor.id, () => fileReplyFlag(actor, reply, reason, note));
}

async function fileReplyFlag(actor: Actor, reply: RecordModel, reason: string, note: string): Promise<{ hidden: boolean }> {
  const pb = await getPocketBase();
  const count = async (filter: string, params: Record<string, unknown>) =>
    (await pb.collection("flags").getList(1, 1, { filter: pb.filter(filter, params), fields: "id" })).totalItems;
  if ((await count("reply = {:r} && reporter = {:u}", { r: reply.id, u: actor.id })) > 0) throw new ValidationError("reason", say("domain.flag.already"));
  const dayAgo = new Date(currentDate().getTime() - DAY_MS);
  if ((await count("reporter = {:u} && created >= {:since}", { u: actor.id, since: dayAgo })) >= FLAGS_PER_DAY) {
    throw new RateLimitedError(say("domain.flag.per_day", { count: FLAGS_PER_DAY }));
  }
  const trusted = await isTrustedReporter(actor);
  const post = reply.expand?.post as RecordModel;
  const notices =
    reason === "patient_data"
      ? await prepareNotices("patient_data_flag", { actorId: actor.id, authorId: reply.author }, () => ({
          params: { title: post.title },
          path: "/moderation/replies",
        }))
      : [];
  const flagId = randomRecordId();
  const batch = pb.createBatch();
  batch.collection("flags").create({
    id: flagId,
    post: reply.post,
    reply: reply.id,
    reporter: actor.id,
    reason,
    note: note.trim().slice(0, 2000),
    status: "open",
    trusted,
    hid: false,
  });
  writeNotices(batch, notices);
  await batch.send();
  if (!trusted) return { hidden: false };
  if ((await count("reporter = {:u} && hid = true && created >= {:since}", { u: actor.id, since: dayAgo })) >= HIDES_PER_DAY) return { hidden: false };
  const trustedOpen = await count("reply = {:r} && status = 'open' && trusted = true", { r: reply.id });
  const why =
    reason === "patient_data"
      ? "Hidden automatically: a trusted reader reported patient data."
      : trustedOpen >= FLAGS_TO_HIDE
        ? `Hidden automatically: ${trustedOpen} trusted readers flagged it.`
        : null;
  if (!why) return { hidden: false };
  await hideInBatch(reply, null, "auto_hide_reply", why, await decisionNotices(reply, null, "hidden", ""));
  await pb.collection("flags").update(flagId, { hid: true });
  return { hidden: true };
}

/** A moderator's settings of a thread: locked (no new replies), slow mode (minutes between one person's replies, 0 off) and pinned. */
export async function setThreadSettings(
  actor: Actor | null,
  postId: string,
  settings: { locked: boolean; slowModeMinutes: number; pinned: boolean },
): Promise<void> {
  const post = await loadThread(postId);
  assertCan(actor, "discussion.moderate", threadSubject(post));
  const minutes = Math.trunc(settings.slowModeMinutes);
  if (!(minutes >= 0 && minutes <= SLOW_MODE_MAX_MINUTES))
    throw new ValidationError("slow_mode_minutes", say("domain.reply.slow_mode_range", { max: SLOW_MODE_MAX_MINUTES }));
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("posts").update(post.id, { locked: settings.locked, slow_mode_minutes: minutes, pinned: settings.pinned });
  const note = `locked=${settings.locked} slow_mode_minutes=${minutes} pinned=${settings.pinned}`;
  batch
    .collection("moderation_events")
    .create({ post: post.id, actor: actor.id, action: "thread_settings", from_status: post.status, to_status: post.status, note });
  reindex(batch, post.id);
  await batch.send();
}

/** The question's author marks one published reply as the answer, changes it, or unmarks it (`replyId` ""). */
export async function markAnswer(actor: Actor | null, postId: string, replyId: string): Promise<void> {
  const post = await loadThread(postId);
  assertCan(actor, "discussion.mark_answer", threadSubject(post));
  const pb = await getPocketBase();
  if (replyId) {
    const reply = ID.test(replyId)
      ? await pb
          .collection("replies")
          .getOne(replyId, { fields: "id,post,status" })
          .catch(() => null)
      : null;
    if (!reply || reply.post !== post.id || reply.status !== "published") throw new ValidationError("reply", say("domain.reply.answer_unknown"));
  }
  const batch = pb.createBatch();
  batch.collection("posts").update(post.id, { accepted_reply: replyId });
  // "Answered" is a facet and a filter of the thread.
  reindex(batch, post.id);
  await batch.send();
}

/** The thread below a published post, as `viewer` sees it: published replies, plus their own pending ones. */
export async function listReplies(locale: Locale, post: RecordModel, viewer: Actor | null): Promise<Thread> {
  const pb = await getPocketBase();
  const filter = viewer
    ? pb.filter("post = {:p} && (status = 'published' || (author = {:u} && status = 'pending'))", { p: post.id, u: viewer.id })
    : pb.filter("post = {:p} && status = 'published'", { p: post.id });
  const rows = await pb.collection("replies").getFullList({ filter, sort: "created,@rowid", expand: "organization,author", batch: 500 });
  const published = new Map(rows.filter((r) => r.status === "published").map((r) => [r.id, r]));
  // A quoted reply that is no longer published shows as gone, whoever wrote it.
  const quotedIds = [...new Set(rows.map((r) => r.in_reply_to).filter((id: string) => id && !published.has(id)))];
  const items = rows.map((r) => toPublicReply(locale, r, published.get(r.in_reply_to) ?? null, viewer, quotedIds.includes(r.in_reply_to)));
  const accepted = post.accepted_reply ? (items.find((r) => r.id === post.accepted_reply && r.status === "published") ?? null) : null;
  const subject = threadSubject(post);
  return {
    replies: items,
    accepted,
    locked: Boolean(post.locked),
    slowModeMinutes: Number(post.slow_mode_minutes) || 0,
    pinned: Boolean(post.pinned),
    canReply: can(viewer, "discussion.reply", subject),
    canMarkAnswer: can(viewer, "discussion.mark_answer", subject),
    canModerate: can(viewer, "discussion.moderate", subject),
  };
}

/**
 * One reply as a page shows it. Named: the organisation spoken for (or, for an account without
 * one, the name it chose — told on the form); anonymous: the stored descriptor only, never the
 * organisation or the author, nor anything the viewer's own rights would add for others.
 */
export function toPublicReply(locale: Locale, r: RecordModel, quoted: RecordModel | null, viewer: Actor | null, quoteGone = false): PublicReply {
  const org = r.expand?.organization;
  const own = Boolean(viewer && r.author === viewer.id);
  const byline = (x: RecordModel) =>
    x.anonymous ? renderDescriptor(locale, x.public_descriptor) : x.expand?.organization?.name || x.expand?.author?.name || renderDescriptor(locale, "");
  const created = new Date(String(r.created).replace(" ", "T"));
  return {
    id: r.id,
    status: r.status,
    bodyHtml: String(r.body_html ?? ""),
    // The Markdown only to its author, for the edit form.
    bodyMd: own ? String(r.body_md ?? "") : "",
    language: String(r.language || ""),
    byline: byline(r),
    organizationSlug: !r.anonymous && org ? String(org.slug) : null,
    anonymous: Boolean(r.anonymous),
    publishedAt: r.published_at || r.created,
    edited: Boolean(r.edited_at),
    inReplyTo: quoted
      ? { id: quoted.id, byline: byline(quoted), excerpt: quoteExcerpt(renderedHtmlToPlainText(String(quoted.body_html ?? ""))) }
      : r.in_reply_to && quoteGone
        ? { id: null, byline: "", excerpt: "" }
        : null,
    own,
    holdReasons: own && r.status === "pending" && Array.isArray(r.hold_reasons) ? (r.hold_reasons as HoldReason[]) : [],
    canEdit: own && can(viewer, "reply.edit", replySubject(r)) && editWindowOpen(created, currentDate()),
    canWithdraw: own && can(viewer, "reply.withdraw", replySubject(r)),
    canFlag: can(viewer, "reply.flag", replySubject(r)),
    canModerate: r.status === "published" && can(viewer, "reply.moderate", replySubject(r)),
  };
}

/** Pending replies (oldest first), then replies readers reported (live or hidden), for the moderators' queue: those the moderator may decide on. */
export async function listRepliesToModerate(actor: Actor | null): Promise<QueuedReply[]> {
  assertCan(actor, "post.hide");
  const pb = await getPocketBase();
  const expand = "post,organization,author";
  const pending = await pb.collection("replies").getFullList({ filter: "status = 'pending'", sort: "created", expand, batch: 500 });
  const flags = await pb.collection("flags").getFullList({ filter: "reply != '' && status = 'open'", fields: "reply,reason", sort: "created" });
  const reported = new Map<string, string[]>();
  for (const f of flags) reported.set(f.reply, [...(reported.get(f.reply) ?? []), f.reason]);
  const reportedIds = [...reported.keys()].filter((id) => !pending.some((r) => r.id === id));
  const reportedRows: RecordModel[] = [];
  for (let i = 0; i < reportedIds.length; i += 50) {
    const chunk = reportedIds.slice(i, i + 50);
    const params = Object.fromEntries(chunk.map((id, k) => [`r${k}`, id]));
    reportedRows.push(
      ...(await pb.collection("replies").getFullList({
        filter: pb.filter(`(status = 'published' || status = 'hidden') && (${chunk.map((_, k) => `id = {:r${k}}`).join(" || ")})`, params),
        expand,
      })),
    );
  }
  // A patient-data report first, as for posts.
  reportedRows.sort((a, b) => Number(reported.get(b.id)?.includes("patient_data")) - Number(reported.get(a.id)?.includes("patient_data")));
  const rows = [...pending, ...reportedRows];
  return rows
    .filter((r) => can(actor, "reply.moderate", replySubject(r)))
    .map((r) => ({
      id: r.id,
      status: r.status,
      postTitle: String(r.expand?.post?.title ?? ""),
      postSlug: String(r.expand?.post?.slug ?? ""),
      author: String(r.expand?.author?.name ?? ""),
      organization: String(r.expand?.organization?.name ?? ""),
      anonymous: Boolean(r.anonymous),
      bodyHtml: String(r.body_html ?? ""),
      holdReasons: Array.isArray(r.hold_reasons) ? (r.hold_reasons as HoldReason[]) : [],
      findings: Array.isArray(r.privacy_findings) ? (r.privacy_findings as PrivacyFinding[]).map((f) => ({ kind: f.kind, excerpt: f.excerpt })) : [],
      flags: reported.get(r.id) ?? [],
      created: r.created,
    }));
}

/** The discussions a member replied to (their dashboard), newest reply first, with each reply's state. */
export async function listMyReplies(actor: Actor): Promise<MyReply[]> {
  const pb = await getPocketBase();
  const rows = await pb.collection("replies").getList(1, 100, {
    filter: pb.filter("author = {:me} && status != 'withdrawn'", { me: actor.id }),
    sort: "-created",
    expand: "post",
    fields: "id,status,hold_reasons,created,expand.post.slug,expand.post.title,expand.post.status",
  });
  return rows.items.map((r) => ({
    id: r.id,
    status: r.status,
    holdReasons: Array.isArray(r.hold_reasons) ? (r.hold_reasons as HoldReason[]) : [],
    postSlug: r.expand?.post?.status === "published" ? String(r.expand.post.slug) : null,
    postTitle: String(r.expand?.post?.title ?? ""),
    created: r.created,
  }));
}

// Notices. Moderators hear of a held reply; its author of a decision; the thread's author and its
// followers of a new published reply — never the replier themself (routeNotice leaves the actor out, and the
// replier is left out again when a moderator's approval publishes their reply).
async function heldNotices(post: RecordModel, actor: Actor | null, replyId: string): Promise<PlannedNotice[]> {
  return prepareNotices("reply_held", { actorId: actor?.id ?? null, authorId: actor?.id ?? null }, () => ({
    params: { title: String(post.title) },
    path: `/moderation/replies#reply-${replyId}`,
  }));
}

async function decisionNotices(reply: RecordModel, actor: Actor | null, decision: string, note: string): Promise<PlannedNotice[]> {
  const post = reply.expand?.post as RecordModel;
  return prepareNotices("reply_decision", { userId: reply.author, actorId: actor?.id ?? null, authorId: reply.author }, () => ({
    params: { title: String(post.title), decision, note: note.trim() },
    path: decision === "published" || decision === "restored" ? `/posts/${post.slug}#reply-${reply.id}` : "/dashboard",
  }));
}

async function publishedNotices(post: RecordModel, actor: Actor | null, replyId: string, replierId?: string): Promise<PlannedNotice[]> {
  const replier = replierId ?? actor?.id ?? null;
  // The thread's author and the members who follow it (any cadence but off: a reply is told as it comes).
  const pb = await getPocketBase();
  const followers = await pb.collection("follows").getFullList({
    filter: pb.filter("kind = 'discussion' && target = {:p} && cadence != 'off'", { p: post.id }),
    fields: "user",
    sort: "created",
  });
  const people = await loadPeople([post.author, ...followers.map((f) => String(f.user))].filter((id) => id && id !== replier));
  if (people.length === 0) return [];
  return planNotices("reply_published", routeNotice("reply_published", people, { actorId: actor?.id ?? null, authorId: replier }), () => ({
    params: { title: String(post.title) },
    path: `/posts/${post.slug}#reply-${replyId}`,
  }));
}

/** A reply as a thread shows it. */
export type PublicReply = {
  id: string;
  status: string;
  bodyHtml: string;
  bodyMd: string;
  language: string;
  byline: string;
  organizationSlug: string | null;
  anonymous: boolean;
  publishedAt: string;
  edited: boolean;
  /** The earlier reply it answers: a short excerpt linking to it (id null when that reply is gone). */
  inReplyTo: { id: string | null; byline: string; excerpt: string } | null;
  own: boolean;
  holdReasons: HoldReason[];
  canEdit: boolean;
  canWithdraw: boolean;
  canFlag: boolean;
  canModerate: boolean;
};

/** The replies below a post and what the viewer may do there. */
export type Thread = {
  replies: PublicReply[];
  accepted: PublicReply | null;
  locked: boolean;
  slowModeMinutes: number;
  pinned: boolean;
  canReply: boolean;
  canMarkAnswer: boolean;
  canModerate: boolean;
};

/** A reply waiting in (or reported to) the moderators' queue. */
export type QueuedReply = {
  id: string;
  status: string;
  postTitle: string;
  postSlug: string;
  author: string;
  organization: string;
  anonymous: boolean;
  bodyHtml: string;
  holdReasons: HoldReason[];
  findings: { kind: string; excerpt: string }[];
  flags: string[];
  created: string;
};

/** A member's reply on their dashboard. */
export type MyReply = { id: string; status: string; holdReasons: HoldReason[]; postSlug: string | null; postTitle: string; created: string };
