// The post lifecycle (DESIGN.md §4): every transition is one function that checks can(),
// validates, and writes the post, a moderation_events row and — where public state
// changes — a search_outbox row in ONE PocketBase batch, so a failure midway leaves the
// post as it was. A published post's edit waits as a pending revision (its own review
// state in `revision_status`) while the live version stays.
import type { RecordModel } from "pocketbase";
import { CASE_FACT_FIELDS, FUNDING_FACT_FIELDS, MODERATION_REJECTION_REASONS, type CaseFact } from "../codelists.ts";
import { attachmentFindings, prepareAttachments, updateAttachments } from "./attachments.ts";
import { ForbiddenError, assertCan, can, type Subject } from "./can.ts";
import { ValidationError } from "./errors.ts";
import { enqueueMail, prepareNotices, writeNotices, type PlannedNotice } from "./notify.ts";
import { newPostMails } from "./digests.ts";
import { renderUntrustedMarkdown } from "./markdown.ts";
import { awaitsConsent, findCounterpart } from "./funding.ts";
import { decidedBeforeOpening } from "./fundingcsv.ts";
import { randomRecordId } from "./ids.ts";
import { descriptorFor, loadCrowd } from "./anonymity.ts";
import { slugify } from "./orgs.ts";
import { checkTranslation } from "./translations.ts";
import { hidesSomeone, namesToHide } from "./posts.ts";
import { resolveAbout } from "./discussions/discussions.ts";
import { assertSummaryPublishable, checkSummaryDraft, namingRequests, writeNamingRequests, writeSummarised } from "./roundtables/summaries.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { now } from "./clock.ts";
import {
  CONTENT_FIELDS,
  DECISION_SCANNED_FIELDS,
  SCANNED_FIELDS,
  decisionEditSchema,
  scannedFieldsOf,
  decisionRuleProblems,
  draftFormSchema,
  submissionProblems,
  type PostInput,
} from "./postinput.ts";
import { localiseUntouchedTemplate } from "../templates.ts";
import { applyDismissals, hasBlockingFindings, scanFields, scanFieldsForNames, type PrivacyDismissal, type PrivacyFinding } from "./privacy.ts";
import type { Actor } from "./users.ts";
import { issueMessage, say } from "../../i18n/domain.ts";

type Batch = ReturnType<Awaited<ReturnType<typeof getPocketBase>>["createBatch"]>;

// The names `content` (a post record, or it with its pending edit) keeps from readers, with `post`'s organisations as loadPost expands them.
function hiddenNamesOf(post: RecordModel, content: Record<string, unknown>): string[] {
  return namesToHide(content, { organization: post.expand?.organization?.name, applicant: post.expand?.applicant_organization?.name });
}

// Why submission is refused: the first blocking finding's kind says which.
function blockingMessage(findings: PrivacyFinding[]): string {
  return findings.find((f) => f.blocking)?.kind === "hidden_name" ? say("domain.privacy.hidden_name_post") : say("domain.privacy.nrn_post");
}

/** Loads a post with its organisation, for a permission decision. */
export async function loadPost(id: string): Promise<RecordModel> {
  if (!/^[a-z0-9]{15}$/.test(id)) throw new ValidationError("post", say("domain.post.not_found"));
  const pb = await getPocketBase();
  return pb.collection("posts").getOne(id, { expand: "organization,pending_revision,author,claimed_by,applicant_organization" });
}

/** The can() subject of a post. */
export function postSubject(post: RecordModel): Subject {
  const org = post.expand?.organization;
  return {
    organization: org ? { id: org.id, verified: Boolean(org.verified) } : undefined,
    post: {
      kind: post.kind,
      authorId: post.author || null,
      status: post.status,
      revisionStatus: post.pending_revision ? post.revision_status || null : null,
      applicantOrganizationId: post.applicant_organization || null,
      publishedBy: post.published_by || null,
    },
  };
}

/** Where the post is in review: its own status, or its pending revision's. */
export function reviewState(post: RecordModel): string {
  return post.pending_revision ? post.revision_status || "draft" : post.status;
}

/** The stored fields of a post form: rendered, sanitized Markdown and privacy findings (drafts and imports alike); Markdown over budget is refused with a ValidationError on its field. The public descriptor is not among them: it is computed at approval, from the crowd of that day. */
export async function renderContent(input: PostInput, dismissals: PrivacyDismissal[], hiddenNames: readonly string[] = []): Promise<Record<string, unknown>> {
  const caseStudy = input.kind === "case_study";
  // A discussion (issue 14) keeps neither a case study's nor a funding application's fields.
  const funding = input.kind === "funding_application";
  // Rendered in turn by the budgeted worker; the first field over budget refuses the save.
  const render = (field: MarkdownField, value: string) => (value ? renderUntrustedMarkdown(value, { field, headingOffset: "top" }) : Promise.resolve(""));
  const bodyHtml = await render("body_md", input.body_md);
  const lessonsHtml = caseStudy ? await render("lessons_md", input.lessons_md) : "";
  const feedbackHtml = funding ? await render("funder_feedback_md", input.funder_feedback_md) : "";
  const reflectionHtml = funding ? await render("reflection_md", input.reflection_md) : "";
  const scanned = Object.fromEntries(SCANNED_FIELDS.map((f) => [f, String(input[f] ?? "")]));
  const findings = applyDismissals([...scanFields(scanned), ...scanFieldsForNames(scanned, hiddenNames)], dismissals);
  return {
    title: input.title,
    summary: input.summary,
    body_md: input.body_md,
    body_html: bodyHtml,
    language: input.language,
    tags: input.tags,
    anonymous: input.anonymous,
    // The coarsest descriptor until publication, so nothing finer than the crowd allows is
    // ever stored; approvePost and refreshDescriptors choose the real one (anonymity.ts).
    public_descriptor: input.anonymous ? "organisation" : "",
    outcome: caseStudy ? input.outcome : "",
    care_settings: input.care_settings,
    ai_types: input.ai_types,
    lifecycle_stage: caseStudy ? input.lifecycle_stage : "",
    started_on: caseStudy ? (input.started_on ?? "") : "",
    ended_on: caseStudy ? (input.ended_on ?? "") : "",
    // The old yes/no follows "when the DPO was involved" once that is answered (issue 17 §1).
    dpo_involved: caseStudy ? dpoInvolved(input) : false,
    data_sources: caseStudy ? input.data_sources : "",
    cost_eur: caseStudy ? (input.cost_eur ?? 0) : 0,
    ...caseFacts(input, input.kind),
    lessons_md: caseStudy ? input.lessons_md : "",
    lessons_html: lessonsHtml,
    funder_name: funding ? input.funder_name : "",
    call: funding ? (input.call ?? "") : "",
    amount_requested: funding ? (input.amount_requested ?? 0) : 0,
    amount_awarded: funding ? (input.amount_awarded ?? 0) : 0,
    submitted_on: funding ? (input.submitted_on ?? "") : "",
    decided_on: funding ? (input.decided_on ?? "") : "",
    decision: funding ? input.decision : "",
    rejection_reasons: funding ? input.rejection_reasons : [],
    funder_feedback_md: funding ? input.funder_feedback_md : "",
    funder_feedback_html: feedbackHtml,
    reflection_md: funding ? input.reflection_md : "",
    reflection_html: reflectionHtml,
    privacy_findings: findings,
    privacy_dismissals: dismissals,
  };
}

/**
 * The governance and data facts as stored (issue 17 §1): all of them on a case study, the ones
 * that apply to a plan on a funding application (FUNDING_FACT_FIELDS), none on other kinds;
 * "" for a code and 0 for a number not given.
 */
export function caseFacts(input: PostInput, kind: string): Record<string, unknown> {
  const caseStudy = kind === "case_study";
  const applies = (field: CaseFact) => caseStudy || (kind === "funding_application" && FUNDING_FACT_FIELDS.includes(field));
  const amount = (v: number | null) => (caseStudy ? (v ?? 0) : 0);
  return {
    ...Object.fromEntries(CASE_FACT_FIELDS.map((f) => [f, applies(f) ? (input[f] ?? "") : ""])),
    changed_roles: caseStudy ? input.changed_roles : [],
    training_hours: amount(input.training_hours),
    staff_view: caseStudy ? input.staff_view : "",
    process_change: caseStudy ? input.process_change : "",
    cost_yearly_eur: amount(input.cost_yearly_eur),
    savings_eur: amount(input.savings_eur),
    savings_method: caseStudy ? input.savings_method : "",
    payback_months: amount(input.payback_months),
  };
}

// A chosen stage means involved and "not involved" means not; otherwise the old checkbox (imports, older forms) decides.
function dpoInvolved(input: PostInput): boolean {
  const when = input.dpo_involvement;
  if (!when || when === "unknown") return input.dpo_involved;
  return when !== "not_involved";
}

// How a refusal names each Markdown field ("The formatting of the story is too complex…").
// The Markdown fields of a post; their names select the wording of domain.markdown.* messages.
type MarkdownField = "body_md" | "lessons_md" | "funder_feedback_md" | "reflection_md";

/** A discussion links to the published case studies and funding records it is about (checked in discussions.ts); other posts to none. */
async function withAbout(content: Record<string, unknown>, input: PostInput, actor: Actor | null): Promise<Record<string, unknown>> {
  if (input.kind !== "discussion") return { ...content, about: [] };
  return { ...content, about: await resolveAbout(input.about, { organization: input.organization, anonymous: input.anonymous }, actor) };
}

/** An applicant's account of a call links to the call and its funder. */
async function withCall(content: Record<string, unknown>, input: PostInput): Promise<Record<string, unknown>> {
  if (input.kind !== "funding_application" || !input.call) return { ...content, funder: "" };
  const pb = await getPocketBase();
  const call = await pb
    .collection("funding_calls")
    .getOne(input.call, { expand: "funder" })
    .catch(() => null);
  if (!call || call.status === "draft") throw new ValidationError("call", say("domain.post.call"));
  return { ...content, call: call.id, funder: call.funder, funder_name: content.funder_name || call.expand?.funder?.name || "" };
}

async function uniquePostSlug(title: string): Promise<string> {
  const pb = await getPocketBase();
  // A draft may have no title yet; its slug is chosen again once it has one (saveDraft).
  const base = slugify(title || "draft", 80);
  for (let i = 0; i < 50; i++) {
    const slug = i === 0 ? base : `${base}-${i + 1}`;
    const found = await pb.collection("posts").getList(1, 1, { filter: pb.filter("slug = {:slug}", { slug }), fields: "id" });
    if (found.totalItems === 0) return slug;
  }
  return `${base}-${Date.now().toString(36)}`;
}

function event(batch: Batch, post: string, actor: Actor | null, action: string, from: string, to: string, extra: { reason_code?: string; note?: string } = {}) {
  // Trimmed here, as the author's feedback is: the history shows the note the author was sent.
  batch
    .collection("moderation_events")
    .create({ post, actor: actor?.id ?? "", action, from_status: from, to_status: to, reason_code: extra.reason_code ?? "", note: (extra.note ?? "").trim() });
}

function outbox(batch: Batch, post: string, op: "upsert" | "delete") {
  batch.collection("search_outbox").create({ record: post, collection_name: "posts", op, attempts: 0 });
}

/**
 * Creates a draft, or saves changes: whatever the author has so far (the full rules apply
 * on submit). For a published post the changes go into a pending revision and the live
 * version stays. `dismiss` declares findings "not personal data" in the same save, so the
 * declaration never costs the author their unsaved edits. Returns the privacy findings.
 */
export async function saveDraft(
  actor: Actor | null,
  raw: unknown,
  postId?: string,
  files: { add?: File[]; remove?: string[] } = {},
  dismiss: PrivacyDismissal[] = [],
): Promise<{ id: string; slug: string; findings: PrivacyFinding[] }> {
  const parsed = draftFormSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(String(issue.path[0] ?? "post"), issueMessage(issue));
  }
  // A discussion starts from an empty question, never a story template (nor does a round table's summary).
  const body =
    parsed.data.kind === "discussion" || parsed.data.kind === "round_table_summary"
      ? parsed.data.body_md
      : localiseUntouchedTemplate(parsed.data.kind, parsed.data.language, parsed.data.body_md);
  const input = { ...parsed.data, body_md: body };
  const pb = await getPocketBase();
  const org = await pb
    .collection("organizations")
    .getOne(input.organization)
    .catch(() => null);
  if (!org) throw new ValidationError("organization", say("domain.post.organization"));

  if (!postId) {
    // Any member starts a discussion (issue 14 §1); posts are the organisation's editors'.
    assertCan(actor, input.kind === "discussion" ? "discussion.start" : "post.create", { organization: { id: org.id, verified: Boolean(org.verified) } });
    // A round table's summary: its host's, after a session, one per round table (summaries.ts).
    const roundTable = input.kind === "round_table_summary" ? await checkSummaryDraft(actor, input, null) : "";
    const translationOf =
      input.kind === "discussion" || input.kind === "round_table_summary" ? "" : await checkTranslation(actor, input, null, input.translation_of ?? null);
    const content = await withAbout(await withCall(await renderContent(input, dismiss, namesToHide(input, { organization: org.name })), input), input, actor);
    const id = randomRecordId();
    // Checked before anything is written, so a bad file leaves no half-created draft.
    const uploads = await prepareAttachments(files.add ?? [], 0);
    const batch = pb.createBatch();
    batch.collection("posts").create({
      id,
      kind: input.kind,
      slug: await uniquePostSlug(input.title),
      organization: org.id,
      author: actor.id,
      status: "draft",
      translation_of: translationOf,
      round_table: roundTable,
      ...content,
    });
    event(batch, id, actor, "create", "", "draft");
    await batch.send();
    if (uploads.length) await updateAttachments({ id, attachments: [] } as unknown as RecordModel, uploads, []);
    const created = await pb.collection("posts").getOne(id);
    return { id, slug: created.slug, findings: content.privacy_findings as PrivacyFinding[] };
  }

  const post = await loadPost(postId);
  assertCan(actor, "post.edit", postSubject(post));
  // The post form has no call, funder or applicant: saved through it, a funder's record would lose them.
  if (post.published_by === "funder") throw new ValidationError("post", say("domain.funding.record_own_form"));
  if (post.organization !== org.id) throw new ValidationError("organization", say("domain.post.move_org"));
  if (post.kind !== input.kind) throw new ValidationError("kind", say("domain.post.change_kind"));
  if (post.kind === "round_table_summary") await checkSummaryDraft(actor, input, post);
  // A post and its translations keep distinct languages and the same anonymity (issue 12 §4).
  await checkTranslation(actor, input, post, null);
  const stored = (post.expand?.pending_revision?.data?.privacy_dismissals ?? post.privacy_dismissals ?? []) as PrivacyDismissal[];
  const dismissals = [...stored.filter((d) => !dismiss.some((n) => n.id === d.id)), ...dismiss];
  const content = await withAbout(await withCall(await renderContent(input, dismissals, namesToHide(input, { organization: org.name })), input), input, actor);
  let slug: string = post.slug;
  const batch = pb.createBatch();
  if (post.status === "published") {
    writeRevision(batch, post, actor, content, post.pending_revision ? null : await nextRevisionVersion(post.id));
  } else {
    // A never-published post's address follows its title (drafts start without one).
    if (!post.published_at && !post.slug.startsWith(slugify(input.title || "draft", 80))) slug = await uniquePostSlug(input.title);
    batch.collection("posts").update(post.id, { ...content, slug });
    event(batch, post.id, actor, "save", post.status, post.status);
  }
  // Validate (and strip) uploads before the batch so a refused file changes nothing.
  const uploads =
    post.status !== "published" && (files.add ?? []).some((f) => f.size > 0)
      ? await prepareAttachments(files.add ?? [], (Array.isArray(post.attachments) ? post.attachments.length : 0) - (files.remove ?? []).length)
      : [];
  await batch.send();
  if (post.status !== "published") await updateAttachments(post, uploads, files.remove ?? []);
  return { id: post.id, slug, findings: content.privacy_findings as PrivacyFinding[] };
}

/**
 * The funder edits a decision it recorded: the wording and facts of decisionEditSchema. Before
 * publication the record itself changes; once published the edit waits as a pending revision
 * (reviewed as any post's revision) while the live record stays. The call, funder, applicant and
 * the decision itself stay as recorded; a record that names its applicant on what they were asked
 * to agree to is not edited here (withdrawing it and recording it again asks them again).
 */
export async function saveRecordedDecision(actor: Actor | null, postId: string, raw: unknown, dismiss: PrivacyDismissal[] = []): Promise<{ id: string }> {
  const post = await loadPost(postId);
  assertCan(actor, "post.edit", postSubject(post));
  if (post.published_by !== "funder") throw new ValidationError("post", say("domain.funding.not_a_record"));
  if (post.consent === "requested" || post.consent === "granted") throw new ValidationError("post", say("domain.funding.record_names_applicant"));
  const parsed = decisionEditSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(String(issue.path[0] ?? "post"), issueMessage(issue));
  }
  const edit = parsed.data;
  const [ruleField, ruleProblem] = Object.entries(decisionRuleProblems(edit, post.decision))[0] ?? [];
  if (ruleField) throw new ValidationError(ruleField, ruleProblem!);
  const pb = await getPocketBase();
  if (post.call) {
    const call = await pb.collection("funding_calls").getOne(post.call, { fields: "opens_on" });
    const opensOn = typeof call.opens_on === "string" ? call.opens_on.slice(0, 10) : "";
    if (opensOn && edit.decidedOn < opensOn) throw new ValidationError("decidedOn", decidedBeforeOpening(edit.decidedOn, opensOn));
  }
  const fields: Record<string, unknown> = {
    title: edit.title,
    summary: edit.reasonText.slice(0, 1000),
    rejection_note: edit.reasonText,
    funder_feedback_md: edit.feedback,
    amount_requested: edit.amountRequested,
    amount_awarded: edit.amountAwarded ?? 0,
    decided_on: edit.decidedOn,
    rejection_reasons: edit.rejectionReasons,
    care_settings: edit.careSettings,
    ai_types: edit.aiTypes,
    language: edit.language,
  };
  const pending = post.expand?.pending_revision;
  const stored = (pending?.data?.privacy_dismissals ?? post.privacy_dismissals ?? []) as PrivacyDismissal[];
  const dismissals = [...stored.filter((d) => !dismiss.some((n) => n.id === d.id)), ...dismiss];
  // Scanned as submission will scan it, so what the funder sees here is what blocks it there.
  const scanned = Object.fromEntries(DECISION_SCANNED_FIELDS.map((f) => [f, String({ ...post, ...fields }[f] ?? "")]));
  const findings = applyDismissals([...scanFields(scanned), ...scanFieldsForNames(scanned, hiddenNamesOf(post, post))], dismissals);
  if (hasBlockingFindings(findings)) throw new ValidationError("privacy", blockingMessage(findings));
  const feedbackHtml = edit.feedback ? await renderUntrustedMarkdown(edit.feedback, { field: "feedback", title: edit.title, headingOffset: "top" }) : "";
  const changed = { ...fields, funder_feedback_html: feedbackHtml, privacy_findings: findings, privacy_dismissals: dismissals };
  const batch = pb.createBatch();
  if (post.status === "published") {
    // The whole record as it would be published (what approval applies and the review diffs), not only the edited fields.
    const content = { ...Object.fromEntries(CONTENT_FIELDS.map((f) => [f, post[f]])), ...changed };
    writeRevision(batch, post, actor, content, pending ? null : await nextRevisionVersion(post.id));
  } else {
    batch.collection("posts").update(post.id, changed);
    event(batch, post.id, actor, "save", post.status, post.status);
  }
  await batch.send();
  return { id: post.id };
}

async function nextRevisionVersion(postId: string): Promise<number> {
  const pb = await getPocketBase();
  return (await pb.collection("revisions").getList(1, 1, { filter: pb.filter("post = {:p}", { p: postId }) })).totalItems + 1;
}

// An edit of a published post: into its pending revision, or a new one (`version` given) that the post points to.
function writeRevision(batch: Batch, post: RecordModel, actor: Actor, content: Record<string, unknown>, version: number | null): void {
  if (version === null) {
    batch.collection("revisions").update(post.pending_revision, { data: content, author: actor.id, status: "pending" });
    return;
  }
  const revisionId = randomRecordId();
  batch
    .collection("revisions")
    .create({ id: revisionId, post: post.id, version, data: content, author: actor.id, status: "pending", note: "Edit of the published version" });
  batch.collection("posts").update(post.id, { pending_revision: revisionId, revision_status: "draft" });
  event(batch, post.id, actor, "revision_start", "published", "published");
}

/** The author marks a privacy finding "not personal data", with a reason the moderator sees. */
export async function dismissFinding(actor: Actor | null, postId: string, findingId: string, reason: string): Promise<void> {
  const post = await loadPost(postId);
  assertCan(actor, "post.edit", postSubject(post));
  if (reason.trim().length < 5) throw new ValidationError("reason", say("domain.privacy.dismiss_reason"));
  const pb = await getPocketBase();
  const revision = post.expand?.pending_revision;
  const data = (revision ? revision.data : post) as { privacy_findings?: PrivacyFinding[]; privacy_dismissals?: PrivacyDismissal[] };
  const finding = (data.privacy_findings ?? []).find((f) => f.id === findingId);
  if (!finding) throw new ValidationError("finding", say("domain.privacy.finding_gone"));
  if (finding.blocking)
    throw new ValidationError("finding", say(finding.kind === "hidden_name" ? "domain.privacy.hidden_name_never" : "domain.privacy.nrn_never"));
  const dismissals = [...(data.privacy_dismissals ?? []).filter((d) => d.id !== findingId), { id: findingId, reason: reason.trim().slice(0, 500) }];
  const findings = applyDismissals(data.privacy_findings ?? [], dismissals);
  if (revision)
    await pb.collection("revisions").update(revision.id, { data: { ...revision.data, privacy_findings: findings, privacy_dismissals: dismissals } });
  else await pb.collection("posts").update(post.id, { privacy_findings: findings, privacy_dismissals: dismissals });
}

/** Submits a draft (or a revision): to the organisation's DPO when required, else to moderators. */
export async function submitPost(actor: Actor | null, postId: string): Promise<{ status: string }> {
  const post = await loadPost(postId);
  assertCan(actor, "post.submit", postSubject(post));
  const pb = await getPocketBase();
  const revision = post.expand?.pending_revision;
  // Belt and braces with can(): the live version is never resubmitted (it would go offline
  // without a search_outbox row, issue 9 §18); edits of a published post go through a revision.
  if (post.status === "published" && !revision) throw new ValidationError("post", say("domain.post.already_published"));
  const data = (revision ? revision.data : post) as Record<string, unknown>;
  // Drafts save with whatever is there (saveDraft); the full rules apply here.
  const problems = Object.entries(submissionProblems(data, { kind: post.kind, organization: post.organization, publishedBy: post.published_by || null }));
  if (problems.length > 0) {
    const [field, message] = problems[0]!;
    throw new ValidationError(field, say("domain.post.fields_need", { count: problems.length, problem: message }));
  }
  const scanned = Object.fromEntries(scannedFieldsOf(post).map((f) => [f, String(data[f] ?? "")]));
  const findings = applyDismissals(
    [...scanFields(scanned), ...scanFieldsForNames(scanned, hiddenNamesOf(post, { ...post, ...data }))],
    (data.privacy_dismissals ?? []) as PrivacyDismissal[],
  );
  if (hasBlockingFindings(findings)) {
    throw new ValidationError("privacy", blockingMessage(findings));
  }
  if (hasBlockingFindings(attachmentFindings(post))) {
    throw new ValidationError("privacy", say("domain.privacy.nrn_attachment"));
  }
  // Checked again: another translation may have taken the language since this one was saved.
  await checkTranslation(actor, { language: String(data.language), anonymous: Boolean(data.anonymous), organization: post.organization }, post, null);
  const next = post.expand?.organization?.requires_dpo_review ? "dpo_review" : "submitted";
  const from = reviewState(post);
  // A round table's summary asks each participant whether it may be named (issue 14 §4), now.
  const naming = post.kind === "round_table_summary" ? await namingRequests(post, actor) : { ask: [], notices: [] };
  const batch = pb.createBatch();
  writeNamingRequests(batch, naming.ask);
  writeNotices(batch, naming.notices);
  if (revision) {
    batch.collection("revisions").update(revision.id, { data: { ...revision.data, privacy_findings: findings }, status: "pending" });
    batch.collection("posts").update(post.id, { revision_status: next, submitted_at: new Date().toISOString(), claimed_by: "", claimed_at: "" });
  } else {
    const version = (await pb.collection("revisions").getList(1, 1, { filter: pb.filter("post = {:p}", { p: post.id }) })).totalItems + 1;
    const snapshot = Object.fromEntries(CONTENT_FIELDS.map((f) => [f, post[f]]));
    batch.collection("revisions").create({
      post: post.id,
      version,
      data: { ...snapshot, privacy_findings: findings },
      author: actor!.id,
      status: "superseded",
      note: "Submitted version",
    });
    batch
      .collection("posts")
      .update(post.id, { status: next, privacy_findings: findings, submitted_at: new Date().toISOString(), claimed_by: "", claimed_at: "", feedback: "" });
  }
  event(batch, post.id, actor, "submit", from, next);
  // Whoever the post now waits on is told, in the same batch (issue 13 §1).
  writeNotices(batch, next === "dpo_review" ? await dpoNotices(post, actor) : await queueNotices(post, actor));
  await batch.send();
  return { status: next };
}

async function setReviewState(
  post: RecordModel,
  actor: Actor | null,
  action: string,
  to: string,
  extra: { patch?: Record<string, unknown>; note?: string; reason_code?: string; mail?: string; notices?: PlannedNotice[] } = {},
): Promise<void> {
  const pb = await getPocketBase();
  const from = reviewState(post);
  const notices = [...(extra.notices ?? []), ...(extra.mail ? await authorNotices(post, actor, extra.mail, extra.note ?? "") : [])];
  const batch = pb.createBatch();
  const field = post.pending_revision ? "revision_status" : "status";
  batch.collection("posts").update(post.id, { [field]: to, ...extra.patch });
  event(batch, post.id, actor, action, from, to, { note: extra.note, reason_code: extra.reason_code });
  writeNotices(batch, notices);
  await batch.send();
}

/** The organisation's DPO approves (on to moderators) or returns the post with comments. */
export async function dpoReview(actor: Actor | null, postId: string, decision: "approve" | "return", note = ""): Promise<void> {
  const post = await loadPost(postId);
  assertCan(actor, "post.dpo_review", postSubject(post));
  if (decision === "return" && note.trim().length < 5) throw new ValidationError("note", say("domain.review.return_note"));
  if (decision === "approve")
    await setReviewState(post, actor, "dpo_approve", "submitted", { note, mail: "dpo_approved", notices: await queueNotices(post, actor) });
  else await setReviewState(post, actor, "dpo_return", "changes_requested", { note, patch: { feedback: note.trim() }, mail: "dpo_returned" });
}

function assertModerator(actor: Actor | null, post: RecordModel): asserts actor is Actor {
  assertCan(actor, "post.moderate", postSubject(post));
}

/** How long a claim holds before another moderator may take the review over (its moderator away, or gone). */
export const CLAIM_HOLDS_HOURS = 24;

/** True when another moderator may take over this post's review: nobody holds it (the account is gone) or the claim is older than CLAIM_HOLDS_HOURS. */
export function claimLapsed(post: Record<string, unknown>, at = now()): boolean {
  if (!post.claimed_by) return true;
  const since = typeof post.claimed_at === "string" ? Date.parse(post.claimed_at.replace(" ", "T")) : Number.NaN;
  return Number.isNaN(since) || at - since >= CLAIM_HOLDS_HOURS * 3_600_000;
}

/** A moderator takes a submitted post, so two moderators do not review the same one; or takes over a review whose claim lapsed. */
export async function claimPost(actor: Actor | null, postId: string): Promise<void> {
  const post = await loadPost(postId);
  assertModerator(actor, post);
  const state = reviewState(post);
  if (state === "in_review" && post.claimed_by !== actor.id) {
    if (!claimLapsed(post)) {
      throw new ValidationError(
        "post",
        post.expand?.claimed_by?.name ? say("domain.review.claimed_by", { name: post.expand.claimed_by.name }) : say("domain.review.claimed_by_other"),
      );
    }
    // Without this a post whose moderator is away, or whose account was deleted, waits in review
    // for ever. The history shows who claimed it before, and when.
    await setReviewState(post, actor, "take_over", "in_review", { patch: { claimed_by: actor.id, claimed_at: new Date(now()).toISOString() } });
    return;
  }
  if (state !== "submitted") throw new ValidationError("post", say("domain.review.claim_submitted_only"));
  // Nothing to decide until the applicant answers: approval would be refused anyway (issue 11 §10).
  // Past the consent deadline (issue 11 §13) the record may be reviewed and published anonymised.
  if (awaitsConsent(post)) {
    throw new ValidationError("consent", say("domain.review.consent_before_review"));
  }
  await setReviewState(post, actor, "claim", "in_review", { patch: { claimed_by: actor.id, claimed_at: new Date(now()).toISOString() } });
}

/** Gives a claimed post back to the queue. */
export async function unclaimPost(actor: Actor | null, postId: string): Promise<void> {
  const post = await loadPost(postId);
  assertModerator(actor, post);
  assertClaimedBy(post, actor);
  await setReviewState(post, actor, "unclaim", "submitted", { patch: { claimed_by: "", claimed_at: "" } });
}

function assertClaimedBy(post: RecordModel, actor: Actor): void {
  if (reviewState(post) !== "in_review") throw new ValidationError("post", say("domain.review.claim_first"));
  if (post.claimed_by !== actor.id)
    throw new ValidationError(
      "post",
      post.expand?.claimed_by?.name ? say("domain.review.reviewing_by", { name: post.expand.claimed_by.name }) : say("domain.review.reviewing_by_other"),
    );
}

/** Publishes a post (or applies its pending revision) and queues it for search. */
export async function approvePost(actor: Actor | null, postId: string, note = ""): Promise<void> {
  const post = await loadPost(postId);
  assertModerator(actor, post);
  assertClaimedBy(post, actor);
  // Nothing names a refused applicant before it consented or was anonymised (past the deadline an unanswered record is published anonymised).
  if (awaitsConsent(post)) {
    throw new ValidationError("consent", say("domain.review.consent_before_publish"));
  }
  const revision = post.expand?.pending_revision;
  // A summary names no participant before every one asked has answered, and none that did not consent.
  if (post.kind === "round_table_summary") {
    const text = revision?.data ?? post;
    await assertSummaryPublishable(post, [text.title, text.summary, text.body_md].map((v) => String(v ?? "")).join("\n"));
  }
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  if (post.kind === "round_table_summary") writeSummarised(batch, post);
  if (revision) {
    const data = Object.fromEntries(CONTENT_FIELDS.map((f) => [f, revision.data?.[f]]).filter(([, v]) => v !== undefined));
    // The moderator's note stays as feedback so the author reads it on the dashboard, not only in the mail (issue 11 §11).
    batch.collection("posts").update(post.id, { ...data, pending_revision: "", revision_status: "", claimed_by: "", claimed_at: "", feedback: note.trim() });
    batch.collection("revisions").update(revision.id, { status: "approved" });
    event(batch, post.id, actor, "approve_revision", "in_review", "published", { note });
  } else {
    batch.collection("posts").update(post.id, {
      status: "published",
      published_at: post.published_at || new Date().toISOString(),
      claimed_by: "",
      claimed_at: "",
      feedback: note.trim(),
    });
    event(batch, post.id, actor, "approve", "in_review", "published", { note });
  }
  // The descriptor as the crowd of verified organisations allows today (issue 9 §2).
  const live = { ...post, ...(revision?.data ?? {}) } as RecordModel;
  const descriptor = descriptorFor(live, await loadCrowd());
  batch.collection("posts").update(post.id, { public_descriptor: descriptor });
  // The funder's record and the applicant's own account of one application, side by side —
  // only when both name everyone; an edit that hides someone undoes an earlier link.
  if (post.counterpart && hidesSomeone(live)) {
    batch.collection("posts").update(post.id, { counterpart: "" });
    batch.collection("posts").update(post.counterpart, { counterpart: "" });
    outbox(batch, post.counterpart, "upsert");
  }
  const counterpart = post.kind === "funding_application" && !post.counterpart ? await findCounterpart(live) : null;
  if (counterpart) {
    batch.collection("posts").update(post.id, { counterpart: counterpart.id });
    batch.collection("posts").update(counterpart.id, { counterpart: post.id });
    outbox(batch, counterpart.id, "upsert");
  }
  outbox(batch, post.id, "upsert");
  writeNotices(batch, await authorNotices(post, actor, revision ? "revision_published" : "published", note));
  writeNotices(batch, await applicantNotices(live, actor, revision ? "corrected" : "published"));
  // Members who follow what it is in and asked to hear of each new post at once (issue 13 §4); not for an edit.
  if (!revision) for (const mail of await newPostMails(post.id, { publicDescriptor: descriptor }, post.author)) enqueueMail(batch, mail);
  await batch.send();
}

/**
 * Approves several funders' records at once, after the moderator reviewed them in one list.
 * Each goes through the real transitions (claim, then approvePost: its own event and outbox
 * row); one with open privacy findings, awaiting consent or not a funder's record is refused
 * and left as it was. Returns what happened to each.
 */
export async function approveDecisions(actor: Actor | null, postIds: string[], note = ""): Promise<BulkApproval[]> {
  assertCan(actor, "post.hide");
  const results: BulkApproval[] = [];
  for (const id of [...new Set(postIds)]) {
    let title = "";
    try {
      // Withdrawn (deleted) since the moderator ticked it: reported with the others, not the end of the run.
      const post = await loadPost(id).catch((error: unknown) => {
        throw isNotFound(error) ? new ValidationError("post", say("domain.post.not_found")) : error;
      });
      title = post.title;
      assertModerator(actor, post);
      if (post.kind !== "funding_application" || post.published_by !== "funder") throw new ValidationError("post", say("domain.review.bulk_funder_only"));
      const open = [...((post.privacy_findings ?? []) as PrivacyFinding[]), ...attachmentFindings(post)].filter((f) => !f.dismissed);
      if (open.length > 0) throw new ValidationError("privacy", say("domain.review.bulk_privacy"));
      if (reviewState(post) === "submitted") await claimPost(actor, id);
      await approvePost(actor, id, note);
      results.push({ id, title, approved: true, message: null });
    } catch (error) {
      // Expected refusals are reported per record; anything else is a bug and stops the run.
      if (error instanceof ValidationError) results.push({ id, title, approved: false, message: error.message });
      else if (error instanceof ForbiddenError) results.push({ id, title, approved: false, message: say("domain.review.bulk_forbidden") });
      else throw error;
    }
  }
  return results;
}

/** The author (or an editor of the organisation) answers a request for changes; the moderator reads it with the resubmission. */
export async function replyToFeedback(actor: Actor | null, postId: string, text: string): Promise<void> {
  const post = await loadPost(postId);
  assertCan(actor, "post.reply", postSubject(post));
  const reply = text.trim();
  if (reply.length < 2) throw new ValidationError("reply", say("domain.review.reply_empty"));
  if (reply.length > 5000) throw new ValidationError("reply", say("domain.review.reply_max", { max: 5000 }));
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  const state = reviewState(post);
  event(batch, post.id, actor, "author_reply", state, state, { note: reply });
  await batch.send();
}

/** Sends the post back to its author with a message. */
export async function requestChanges(actor: Actor | null, postId: string, note: string): Promise<void> {
  const post = await loadPost(postId);
  assertModerator(actor, post);
  assertClaimedBy(post, actor);
  if (note.trim().length < 5) throw new ValidationError("note", say("domain.review.return_note"));
  await setReviewState(post, actor, "request_changes", "changes_requested", {
    note,
    patch: { feedback: note.trim(), claimed_by: "", claimed_at: "" },
    mail: "changes_requested",
  });
}

/** Refuses a post (or its revision) with a reason from the list and an explanation. */
export async function rejectPost(actor: Actor | null, postId: string, reasonCode: string, note: string): Promise<void> {
  const post = await loadPost(postId);
  assertModerator(actor, post);
  assertClaimedBy(post, actor);
  if (!(MODERATION_REJECTION_REASONS as readonly string[]).includes(reasonCode)) throw new ValidationError("reason_code", say("domain.review.reason_list"));
  if (note.trim().length < 5) throw new ValidationError("note", say("domain.review.explain"));
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  const revision = post.expand?.pending_revision;
  if (revision) {
    batch.collection("revisions").update(revision.id, { status: "rejected" });
    batch.collection("posts").update(post.id, { pending_revision: "", revision_status: "", claimed_by: "", claimed_at: "", feedback: note.trim() });
    event(batch, post.id, actor, "reject_revision", "in_review", "published", { reason_code: reasonCode, note });
  } else {
    batch.collection("posts").update(post.id, { status: "rejected", claimed_by: "", claimed_at: "", feedback: note.trim() });
    event(batch, post.id, actor, "reject", "in_review", "rejected", { reason_code: reasonCode, note });
  }
  writeNotices(batch, await authorNotices(post, actor, "rejected", note));
  await batch.send();
}

/** Takes a published post off the public site. */
export async function hidePost(actor: Actor | null, postId: string, note: string): Promise<void> {
  const post = await loadPost(postId);
  assertCan(actor, "post.hide", postSubject(post));
  if (post.status !== "published") throw new ValidationError("post", say("domain.review.hide_published_only"));
  if (note.trim().length < 5) throw new ValidationError("note", say("domain.review.hide_note"));
  await hideInBatch(post, actor, "hide", note, await authorNotices(post, actor, "hidden", note));
}

async function hideInBatch(post: RecordModel, actor: Actor | null, action: string, note: string, notices: PlannedNotice[]): Promise<void> {
  const pb = await getPocketBase();
  const batch = pb.createBatch();
  batch.collection("posts").update(post.id, { status: "hidden" });
  event(batch, post.id, actor, action, "published", "hidden", { note });
  outbox(batch, post.id, "delete");
  writeNotices(batch, notices);
  await batch.send();
}

/** Puts a hidden post back online; its open flags are dismissed. */
export async function restorePost(actor: Actor | null, postId: string, note = ""): Promise<void> {
  const post = await loadPost(postId);
  assertCan(actor, "post.restore", postSubject(post));
  if (post.status !== "hidden") throw new ValidationError("post", say("domain.review.restore_hidden_only"));
  const pb = await getPocketBase();
  const flags = await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p} && status = 'open'", { p: post.id }), fields: "id" });
  const batch = pb.createBatch();
  batch.collection("posts").update(post.id, { status: "published" });
  for (const f of flags) batch.collection("flags").update(f.id, { status: "dismissed", resolved_by: actor.id });
  event(batch, post.id, actor, "restore", "hidden", "published", { note });
  outbox(batch, post.id, "upsert");
  writeNotices(batch, await authorNotices(post, actor, "restored", note));
  await batch.send();
}

/** The author (or the organisation's admin) withdraws a post that is not final. */
export async function withdrawPost(actor: Actor | null, postId: string): Promise<void> {
  const post = await loadPost(postId);
  assertCan(actor, "post.withdraw", postSubject(post));
  const pb = await getPocketBase();
  const wasPublic = post.status === "published" || post.status === "hidden";
  const batch = pb.createBatch();
  batch.collection("posts").update(post.id, { status: "withdrawn", pending_revision: "", revision_status: "", claimed_by: "", claimed_at: "" });
  event(batch, post.id, actor, "withdraw", post.status, "withdrawn");
  if (wasPublic) outbox(batch, post.id, "delete");
  await batch.send();
}

/** Hides a published post at once, as the system (a patient-data flag, or three flags). */
export async function autoHidePost(post: RecordModel, why: string): Promise<void> {
  if (post.status !== "published") return;
  const notices = await prepareNotices("post_flagged", { userId: post.author, actorId: null, authorId: post.author }, () => ({
    params: { title: post.title },
    path: `/dashboard/posts/${post.id}`,
  }));
  await hideInBatch(post, null, "auto_hide", why, notices);
}

// The author hears of each decision on their post: published ones link to the public page,
// the others to the post on their dashboard, where they can act on the note.
async function authorNotices(post: RecordModel, actor: Actor | null, decision: string, note: string): Promise<PlannedNotice[]> {
  const live = decision === "published" || decision === "revision_published" || decision === "restored";
  return prepareNotices("post_decision", { userId: post.author, actorId: actor?.id ?? null, authorId: post.author }, () => ({
    params: { title: post.title, decision, note: note.trim() },
    path: live ? `/posts/${post.slug}` : `/dashboard/posts/${post.id}`,
  }));
}

// A funder's record about an applicant on the platform, or its correction, went public: the
// applicant's admins learn it from Casebook, and whether it names them, not from a reader.
async function applicantNotices(live: RecordModel, actor: Actor | null, change: "published" | "corrected"): Promise<PlannedNotice[]> {
  if (live.published_by !== "funder" || !live.applicant_organization) return [];
  const params = {
    title: String(live.title),
    funder: String(live.expand?.organization?.name ?? ""),
    org: String(live.expand?.applicant_organization?.name ?? ""),
    change,
    shown: hidesSomeone(live) ? "unnamed" : "named",
  };
  return prepareNotices("record_published", { organizationId: live.applicant_organization, actorId: actor?.id ?? null, authorId: null }, () => ({
    params,
    path: `/posts/${live.slug}`,
  }));
}

// The organisation's DPOs: a post waits for their sign-off.
async function dpoNotices(post: RecordModel, actor: Actor | null): Promise<PlannedNotice[]> {
  const org = post.expand?.organization;
  return prepareNotices("post_awaits_dpo", { organizationId: post.organization, actorId: actor?.id ?? null, authorId: post.author }, () => ({
    params: { title: post.title, org: org?.name ?? "", author: post.expand?.author?.name ?? actor?.name ?? "" },
    path: `/dashboard/signoff/${post.id}`,
  }));
}

/** Moderators: a post entered the moderation queue (each moderator's choice of one mail per post or one an hour). */
export async function queueNotices(post: RecordModel, actor: Actor | null): Promise<PlannedNotice[]> {
  const org = post.expand?.organization;
  return prepareNotices("post_in_queue", { actorId: actor?.id ?? null, authorId: post.author }, () => ({
    params: { title: post.title, org: org?.name ?? "" },
    path: `/moderation/posts/${post.id}`,
  }));
}

/** True when the actor may see the post's private (unpublished) view. */
export function canViewPrivately(actor: Actor | null, post: RecordModel): boolean {
  return can(actor, "post.view_private", postSubject(post));
}

/** What happened to one record of a bulk approval. */
export type BulkApproval = { id: string; title: string; approved: boolean; message: string | null };
