// Funding decisions: calls published by verified funders, decisions recorded by funders
// (one per application, refusals with reasons), the applicant's consent to be named,
// and the link between a funder's record and the applicant's own account. Decisions are
// posts of kind funding_application and go through the normal moderation lifecycle.
import { optionalHttpUrl, safeHref } from "./urls.ts";
import type { RecordModel } from "pocketbase";
import { z } from "zod";
import { AI_TYPES, CARE_SETTINGS, CASE_FACT_FIELDS, LANGUAGES, ORG_KINDS, REGIONS, REJECTION_REASONS } from "../codelists.ts";
import type { Locale } from "../../i18n/index.ts";
import { chooseDescriptor, loadCrowd, previewDescriptors, pseudonymousSubject } from "./anonymity.ts";
import { assertCan, can } from "./can.ts";
import { now } from "./clock.ts";
import { getConfig } from "./config.ts";
import { decidedBeforeOpening, parseDecisionsCsv } from "./fundingcsv.ts";
import type { InsightCase, InsightDecision } from "./insights.ts";
import type { PublicDecision } from "./opendata.ts";
import { hidesSomeone, namesToHide, toPublicPost, type PublicPost } from "./posts.ts";
import { ValidationError } from "./errors.ts";
import { requiredTitle } from "./postinput.ts";
import { renderUntrustedMarkdown } from "./markdown.ts";
import { randomRecordId, slugifyText } from "./ids.ts";
import { slugify } from "./orgs.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { projection } from "./projections.ts";
import { scanFields, scanFieldsForNames, hasBlockingFindings } from "./privacy.ts";
import type { Actor } from "./users.ts";
import { issueMessage, say } from "../../i18n/domain.ts";
import { codeLabel, formatDate, t } from "../../i18n/index.ts";
import { siteLink } from "./links.ts";
import { CONSENT_REMINDER_DAYS, prepareNotices, writeNotices, type PlannedNotice } from "./notify.ts";

const optionalDate = z.preprocess(
  (v) => (v == null || v === "" ? null : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: say("domain.date.format") })
    .nullable(),
);

/** The call form's fields. */
export const callFieldsSchema = z.object({
  title: requiredTitle,
  programme: z.preprocess((v) => v ?? "", z.string().trim().max(300)),
  description: z.preprocess(
    (v) => v ?? "",
    z
      .string()
      .trim()
      .min(20, { error: say("domain.funding.description_min") })
      .max(20000),
  ),
  eligibility: z.preprocess((v) => v ?? "", z.string().trim().max(20000)),
  // The language the title, description and eligibility are written in (issue 12 §4); "" when not said.
  description_language: z.preprocess((v) => v || "", z.enum(["", ...LANGUAGES], { error: "Choose a language from the list." })),
  budget: z.preprocess(
    (v) => (v == null || v === "" ? null : Number(String(v).replace(/[\s.]/g, "").replace(",", "."))),
    z
      .number({ error: say("domain.funding.budget_digits") })
      .min(0, { error: say("domain.funding.budget_negative") })
      .nullable(),
  ),
  currency: z.preprocess((v) => (v ? String(v).toUpperCase() : "EUR"), z.string().regex(/^[A-Z]{3}$/, { error: say("domain.funding.currency") })),
  opens_on: optionalDate,
  closes_on: optionalDate,
  url: optionalHttpUrl(say("domain.url.full")),
  status: z.enum(["draft", "open", "closed"], { error: say("domain.funding.status") }),
});

/** Dates in order. */
export function refineCall(v: { opens_on: string | null; closes_on: string | null }, ctx: z.RefinementCtx): void {
  if (v.opens_on && v.closes_on && v.closes_on < v.opens_on)
    ctx.addIssue({ code: "custom", path: ["closes_on"], message: say("domain.funding.closes_before_opens") });
}

/** The call form, validated. */
export const callSchema = callFieldsSchema.superRefine(refineCall);

/** One decision as a funder records it (from the form or a CSV row). */
export const decisionSchema = z
  .object({
    title: z
      .string()
      .trim()
      .min(8, { error: say("domain.post.title") })
      .max(300),
    applicantType: z.enum(["platform", "outside", "anonymous"]),
    applicant: z.string().trim().max(300).default(""),
    applicantRegion: z.enum(REGIONS).nullable().default(null),
    applicantKind: z.enum(ORG_KINDS).nullable().default(null),
    amountRequested: z.number().min(0, { error: say("domain.amount.negative") }),
    amountAwarded: z
      .number()
      .min(0, { error: say("domain.amount.negative") })
      .nullable()
      .default(null),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("EUR"),
    decision: z.enum(["awarded", "rejected", "withdrawn"]),
    decidedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    // The language the reasons and feedback are written in; the recording funder's interface language when not given.
    language: z.enum(LANGUAGES).nullable().default(null),
    rejectionReasons: z.array(z.enum(REJECTION_REASONS)).default([]),
    reasonText: z.string().trim().max(5000).default(""),
    feedback: z.string().trim().max(50000).default(""),
    consentObtained: z.boolean().default(false),
    careSettings: z.array(z.enum(CARE_SETTINGS)).default([]),
    aiTypes: z.array(z.enum(AI_TYPES)).default([]),
  })
  .superRefine((v, ctx) => {
    const need = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    if (v.applicantType !== "anonymous" && !v.applicant)
      need("applicant", v.applicantType === "platform" ? say("domain.funding.applicant_org") : say("domain.funding.applicant_name"));
    if (v.decision === "rejected" && v.rejectionReasons.length === 0) need("rejectionReasons", say("domain.funding.refusal_reasons"));
    if (v.decision !== "rejected" && v.rejectionReasons.length > 0) need("rejectionReasons", say("domain.funding.reasons_refusals_only"));
    if (v.decision === "awarded" && !(v.amountAwarded && v.amountAwarded > 0)) need("amountAwarded", say("domain.post.amount_awarded"));
  });

async function funderOf(actor: Actor | null, organizationId: string): Promise<RecordModel> {
  const pb = await getPocketBase();
  const org = await pb
    .collection("organizations")
    .getOne(organizationId)
    .catch(() => null);
  if (!org) throw new ValidationError("organization", say("domain.funding.unknown_org"));
  assertCan(actor, "funding.manage", { organization: { id: org.id, verified: Boolean(org.verified) }, organizationKind: org.kind });
  return org;
}

/** Creates or updates a call of a funder organisation. */
export async function saveCall(actor: Actor | null, funderId: string, raw: unknown, callId?: string): Promise<{ slug: string }> {
  const funder = await funderOf(actor, funderId);
  const parsed = callSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(String(issue.path[0] ?? "call"), issueMessage(issue));
  }
  // Search documents render these as Markdown, so they get the same budget as a post's story.
  await renderUntrustedMarkdown(parsed.data.description, { field: "description" });
  await renderUntrustedMarkdown(parsed.data.eligibility, { field: "eligibility" });
  const pb = await getPocketBase();
  const data = { ...parsed.data, opens_on: parsed.data.opens_on ?? "", closes_on: parsed.data.closes_on ?? "", budget: parsed.data.budget ?? 0 };
  // The call and its search-outbox row in one batch (calls are public as soon as they are not drafts).
  const batch = pb.createBatch();
  let id = callId;
  let slug: string;
  if (callId) {
    const call = await pb.collection("funding_calls").getOne(callId);
    if (call.funder !== funder.id) throw new ValidationError("call", say("domain.funding.call_other_funder"));
    batch.collection("funding_calls").update(call.id, data);
    slug = call.slug;
  } else {
    slug = slugify(parsed.data.title, 90);
    const taken = await pb.collection("funding_calls").getList(1, 1, { filter: pb.filter("slug = {:s}", { s: slug }) });
    if (taken.totalItems > 0) slug = `${slug}-${Date.now().toString(36)}`;
    id = randomRecordId();
    batch.collection("funding_calls").create({ id, ...data, slug, funder: funder.id });
  }
  batch
    .collection("search_outbox")
    .create({ record: id, collection_name: "funding_calls", op: parsed.data.status === "draft" ? "delete" : "upsert", attempts: 0 });
  await batch.send();
  return { slug };
}

/** What a recorded decision keeps when its funder edits it: the call's title and who applied (null when nobody is named or known). */
export async function recordedDecisionFixed(postId: string): Promise<{ call: string; applicant: string | null; named: boolean }> {
  const pb = await getPocketBase();
  // The record's own fields, not a pending revision's (which holds no applicant).
  const data = await pb.collection("posts").getOne(postId, { fields: "call,applicant_organization,applicant_name,applicant_anonymous" });
  const call = data.call
    ? await pb
        .collection("funding_calls")
        .getOne(String(data.call), { fields: "title" })
        .catch(() => null)
    : null;
  const org = data.applicant_organization
    ? await pb
        .collection("organizations")
        .getOne(String(data.applicant_organization), { fields: "name" })
        .catch(() => null)
    : null;
  return { call: call?.title ?? "", applicant: org?.name || String(data.applicant_name ?? "") || null, named: !data.applicant_anonymous };
}

/**
 * Records a funder's decisions on one call, all or nothing, and sends them to moderation.
 * A refused applicant on the platform gets a consent request; a refused outside
 * applicant is anonymised unless the funder obtained consent.
 */
export async function recordDecisions(actor: Actor | null, callId: string, rows: unknown[]): Promise<{ created: number; consentRequests: number }> {
  const pb = await getPocketBase();
  const call = await pb
    .collection("funding_calls")
    .getOne(callId)
    .catch(() => null);
  if (!call) throw new ValidationError("call", say("domain.funding.unknown_call"));
  const funder = await funderOf(actor, call.funder);
  const decisions: z.infer<typeof decisionSchema>[] = [];
  // With several rows, a message names its row.
  const inRow = (index: number, problem: string) => (rows.length > 1 ? say("domain.funding.row", { row: index + 1, problem }) : problem);
  const opensOn = typeof call.opens_on === "string" ? call.opens_on.slice(0, 10) : "";
  for (const [index, raw] of rows.entries()) {
    const parsed = decisionSchema.safeParse(raw);
    if (!parsed.success)
      throw new ValidationError(`row ${index + 1}`, say("domain.funding.row", { row: index + 1, problem: issueMessage(parsed.error.issues[0]!) }));
    // A decision cannot precede the call it answers (a mistyped year, or the wrong call chosen).
    if (opensOn && parsed.data.decidedOn < opensOn) throw new ValidationError("decidedOn", inRow(index, decidedBeforeOpening(parsed.data.decidedOn, opensOn)));
    decisions.push(parsed.data);
  }
  const applicantOrgs = new Map<string, RecordModel>();
  for (const d of decisions.filter((d) => d.applicantType === "platform")) {
    if (applicantOrgs.has(d.applicant)) continue;
    applicantOrgs.set(d.applicant, await findApplicantOrganization(d.applicant));
  }
  const next = funder.requires_dpo_review ? "dpo_review" : "submitted";
  const crowd = await loadCrowd();
  const batch = pb.createBatch();
  let consentRequests = 0;
  const usedSlugs = new Set<string>();
  for (const d of decisions) {
    const applicantOrg = d.applicantType === "platform" ? applicantOrgs.get(d.applicant)! : null;
    const refusedNamed = d.decision !== "awarded" && d.applicantType !== "anonymous";
    const consent = !refusedNamed ? "not_needed" : d.applicantType === "platform" ? "requested" : d.consentObtained ? "granted" : "refused";
    if (consent === "requested") consentRequests++;
    // Under the record's own field names (postinput.ts DECISION_SCANNED_FIELDS): a finding keeps its id, and a "not personal data" declaration its hold, through editing and submission.
    const scanned = { title: d.title, rejection_note: d.reasonText, funder_feedback_md: d.feedback };
    // An applicant the record may not name (anonymised, or not yet consenting) is not named in its text either.
    const hidden = namesToHide(
      {
        published_by: "funder",
        consent,
        applicant_anonymous: d.applicantType === "anonymous" || consent === "refused",
        applicant_name: d.applicantType === "outside" ? d.applicant : "",
      },
      { applicant: applicantOrg?.name },
    );
    const findings = [...scanFields(scanned), ...scanFieldsForNames(scanned, hidden)];
    if (hasBlockingFindings(findings))
      throw new ValidationError(
        "privacy",
        say(findings.find((f) => f.blocking)!.kind === "hidden_name" ? "domain.privacy.hidden_name_record" : "domain.privacy.nrn_record", { title: d.title }),
      );
    let slug = slugify(d.title, 80);
    while (usedSlugs.has(slug) || (await pb.collection("posts").getList(1, 1, { filter: pb.filter("slug = {:s}", { s: slug }), fields: "id" })).totalItems > 0)
      slug = `${slugifyText(slug, 70)}-${randomRecordId().slice(0, 6)}`;
    usedSlugs.add(slug);
    const id = randomRecordId();
    const consentDeadline = consent === "requested" ? new Date(now() + CONSENT_DAYS * DAY_MS).toISOString().replace("T", " ") : "";
    // The applicant's admins are asked, in the same batch as the record (issue 13 §1).
    if (consent === "requested" && applicantOrg)
      writeNotices(
        batch,
        await consentNotices(
          actor,
          { id, title: d.title, funder: funder.name, call: call.title, decision: d.decision, reasons: d.rejectionReasons },
          applicantOrg,
          consentDeadline,
        ),
      );
    batch.collection("posts").create({
      id,
      kind: "funding_application",
      slug,
      title: d.title,
      summary: d.reasonText ? d.reasonText.slice(0, 1000) : "",
      body_md: "",
      body_html: "",
      language: d.language ?? actor!.locale,
      organization: funder.id,
      author: actor!.id,
      anonymous: false,
      status: next,
      submitted_at: new Date().toISOString(),
      published_by: "funder",
      funder: funder.id,
      call: call.id,
      applicant_organization: applicantOrg?.id ?? "",
      applicant_name: d.applicantType === "outside" ? d.applicant : "",
      applicant_anonymous: d.applicantType === "anonymous" || consent === "refused",
      applicant_region: applicantOrg?.region ?? d.applicantRegion ?? "",
      applicant_kind: applicantOrg?.kind ?? d.applicantKind ?? "",
      // The applicant's crowd-checked descriptor, shown whenever it is not named (recomputed at publication).
      public_descriptor: chooseDescriptor(
        {
          kind: applicantOrg?.kind ?? d.applicantKind ?? null,
          region: applicantOrg?.region ?? d.applicantRegion ?? null,
          country: applicantOrg?.country ?? null,
        },
        crowd,
        getConfig().anonymityK,
      ).code,
      amount_requested: d.amountRequested,
      amount_awarded: d.amountAwarded ?? 0,
      currency: d.currency,
      decided_on: d.decidedOn,
      decision: d.decision,
      rejection_reasons: d.rejectionReasons,
      rejection_note: d.reasonText,
      funder_feedback_md: d.feedback,
      // Budgeted: a row whose feedback is over budget refuses the whole batch before anything is written.
      funder_feedback_html: await renderUntrustedMarkdown(d.feedback, { field: "feedback", title: d.title, headingOffset: "top" }),
      care_settings: d.careSettings,
      ai_types: d.aiTypes,
      consent,
      // The applicant's time to answer; unanswered by then, the record may be published with its descriptor only.
      consent_deadline: consentDeadline,
      privacy_findings: findings,
    });
    batch.collection("moderation_events").create({
      post: id,
      actor: actor!.id,
      action: "record_decision",
      from_status: "",
      to_status: next,
      note: `Recorded by the funder (${consent === "requested" ? "consent requested" : `consent ${consent}`}).`,
    });
  }
  await batch.send();
  return { created: decisions.length, consentRequests };
}

// A consent request tells the applicant's admins exactly what would be published under their
// name, by when to answer and what happens then; a reminder waits in the outbox until
// CONSENT_REMINDER_DAYS before the deadline and is dropped if the request was answered by then.
async function consentNotices(
  actor: Actor | null,
  record: { id: string; title: string; funder: string; call: string; decision: string; reasons: string[] },
  applicant: RecordModel,
  deadline: string,
): Promise<PlannedNotice[]> {
  const remindAt = Date.parse(deadline.replace(" ", "T")) - CONSENT_REMINDER_DAYS * DAY_MS;
  const published = (locale: Locale) =>
    [
      t(locale, "notice.consent.line.title", { value: record.title }),
      t(locale, "notice.consent.line.funder", { value: record.call ? `${record.funder} — ${record.call}` : record.funder }),
      t(locale, "notice.consent.line.decision", { value: codeLabel(locale, "decision", record.decision) }),
      ...(record.reasons.length
        ? [t(locale, "notice.consent.line.reasons", { value: record.reasons.map((r) => codeLabel(locale, "rejection_reason", r)).join(", ") })]
        : []),
      t(locale, "notice.consent.line.named", { value: applicant.name }),
    ]
      .map((line) => `- ${line}`)
      .join("\n");
  const content = (locale: Locale) => ({
    // The notice keeps the instant (written in its reader's language when shown, notifications.ts); the mail the date.
    params: { title: record.title, funder: record.funder, org: applicant.name, deadline },
    path: `/dashboard#consent-${record.id}`,
    mailParams: { published: published(locale), deadline: formatDate(locale, deadline) },
  });
  return prepareNotices("consent_request", { organizationId: applicant.id, actorId: actor?.id ?? null, authorId: null }, content, {
    extraMail: (person, locale) =>
      remindAt > now()
        ? [
            {
              to: person.email,
              user: person.id,
              template: "consent_reminder",
              locale: person.locale ?? "",
              params: {
                ...content(locale).params,
                ...content(locale).mailParams,
                name: person.name,
                link: siteLink(person.locale, content(locale).path),
                while_consent_requested: record.id,
              },
              category: "organisation",
              group_key: "",
              next_attempt_at: new Date(remindAt).toISOString(),
            },
          ]
        : [],
  });
}

/** Days an applicant organisation has to answer a consent request before the record may be published anonymised. */
export const CONSENT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A verified organisation named by its Casebook slug or by its exact name (as the applicant picker offers it). */
async function findApplicantOrganization(nameOrSlug: string): Promise<RecordModel> {
  const pb = await getPocketBase();
  const bySlug = await pb
    .collection("organizations")
    .getFirstListItem(pb.filter("slug = {:s} && verified = true", { s: nameOrSlug }))
    .catch(() => null);
  if (bySlug) return bySlug;
  const byName = await pb.collection("organizations").getList(1, 2, { filter: pb.filter("name = {:n} && verified = true", { n: nameOrSlug }) });
  if (byName.items.length === 1) return byName.items[0]!;
  if (byName.items.length > 1) throw new ValidationError("applicant", say("domain.funding.applicant_ambiguous", { name: nameOrSlug }));
  throw new ValidationError("applicant", say("domain.funding.applicant_unknown", { name: nameOrSlug }));
}

/** Verified organisations an applicant picker suggests: name and slug, by name. */
export async function listApplicantChoices(): Promise<{ name: string; slug: string }[]> {
  const pb = await getPocketBase();
  const orgs = await pb.collection("organizations").getFullList({ filter: "verified = true", fields: "name,slug", sort: "name" });
  return orgs.map((o) => ({ name: o.name, slug: o.slug }));
}

/**
 * Funding records about this actor's organisations (as their admin) whose consent to be
 * named is asked or was answered and that are not published yet: what would be published,
 * the organisation's own descriptor, the deadline and every answer given so far.
 */
export async function listConsentRequests(actor: Actor | null, locale: Locale = "en"): Promise<ConsentRequest[]> {
  const orgs = actor?.memberships.filter((m) => m.role === "admin").map((m) => m.organizationId) ?? [];
  if (orgs.length === 0) return [];
  const pb = await getPocketBase();
  const filter = `published_by = 'funder' && (${ANSWERABLE}) && (${orgs.map((_, i) => `applicant_organization = {:o${i}}`).join(" || ")})`;
  const records = await pb.collection("posts").getFullList({
    filter: pb.filter(filter, Object.fromEntries(orgs.map((o, i) => [`o${i}`, o]))),
    expand: "funder,call,applicant_organization",
    sort: "created",
  });
  if (records.length === 0) return [];
  const events = await pb.collection("moderation_events").getFullList({
    filter: pb.filter(
      `(action = 'consent_granted' || action = 'consent_anonymise') && (${records.map((_, i) => `post = {:p${i}}`).join(" || ")})`,
      Object.fromEntries(records.map((r, i) => [`p${i}`, r.id])),
    ),
    expand: "actor",
    sort: "created",
  });
  const descriptors = await previewDescriptors(
    locale,
    records.map((r) => {
      const org = r.expand?.applicant_organization;
      return { kind: org?.kind || null, region: org?.region || null, country: org?.country || null };
    }),
  );
  const at = now();
  return records.map((r, i) => {
    const deadline = typeof r.consent_deadline === "string" && r.consent_deadline ? r.consent_deadline : null;
    return {
      id: r.id,
      title: r.title,
      funder: r.expand?.funder?.name ?? "",
      call: r.expand?.call?.title ?? null,
      decision: r.decision,
      decidedOn: r.decided_on ? String(r.decided_on).slice(0, 10) : null,
      reasons: Array.isArray(r.rejection_reasons) ? r.rejection_reasons : [],
      reasonText: r.rejection_note || "",
      feedbackHtml: r.funder_feedback_html || "",
      amountRequested: typeof r.amount_requested === "number" ? r.amount_requested : null,
      amountAwarded: typeof r.amount_awarded === "number" && r.amount_awarded > 0 ? r.amount_awarded : null,
      currency: r.currency || "EUR",
      language: r.language || "en",
      applicant: r.expand?.applicant_organization?.name ?? "",
      descriptor: descriptors[i]!.text,
      consent: r.consent as "requested" | "granted" | "refused",
      deadline,
      overdue: r.consent === "requested" && deadline !== null && Date.parse(deadline) <= at,
      answers: events
        .filter((e) => e.post === r.id)
        .map((e) => ({ answer: e.action === "consent_granted" ? ("grant" as const) : ("anonymise" as const), at: e.created, by: e.expand?.actor?.name ?? "" })),
    };
  });
}

// Records whose answer can still change: asked or answered, and not yet public or closed.
const ANSWERABLE =
  "(consent = 'requested' || consent = 'granted' || consent = 'refused') && status != 'published' && status != 'hidden' && status != 'rejected' && status != 'withdrawn'";

/**
 * The applicant organisation's admin agrees to be named, or asks to be anonymised; the
 * answer can be changed until the record is published (each answer is kept as an event).
 */
export async function answerConsent(
  actor: Actor | null,
  postId: string,
  answer: "grant" | "anonymise",
): Promise<{ title: string; answer: "grant" | "anonymise" }> {
  const pb = await getPocketBase();
  const post = await pb
    .collection("posts")
    .getOne(postId, { expand: "applicant_organization" })
    .catch(() => null);
  const org = post?.expand?.applicant_organization;
  if (!post || !org || post.published_by !== "funder") throw new ValidationError("post", say("domain.funding.consent_gone"));
  assertCan(actor, "funding.consent", { organization: { id: org.id, verified: Boolean(org.verified) } });
  if (!["requested", "granted", "refused"].includes(post.consent)) throw new ValidationError("consent", say("domain.funding.consent_not_needed"));
  if (post.status === "published" || post.status === "hidden") throw new ValidationError("consent", say("domain.funding.consent_published"));
  if (post.status === "rejected" || post.status === "withdrawn") throw new ValidationError("consent", say("domain.funding.consent_not_published"));
  const batch = pb.createBatch();
  batch
    .collection("posts")
    .update(post.id, answer === "grant" ? { consent: "granted", applicant_anonymous: false } : { consent: "refused", applicant_anonymous: true });
  batch.collection("moderation_events").create({
    post: post.id,
    actor: actor.id,
    action: answer === "grant" ? "consent_granted" : "consent_anonymise",
    from_status: post.status,
    to_status: post.status,
  });
  await batch.send();
  return { title: post.title, answer };
}

// Only two named records are ever linked: a link from an anonymous account to the funder's
// record that names its applicant (or the reverse) would unmask it (issue 9 §1).
// An applicant's account is any funding application not recorded by a funder: the form leaves published_by empty
// (only imported content says "applicant"), so the filters never ask for "applicant".
const NAMED_APPLICANT_ACCOUNT = "kind = 'funding_application' && published_by != 'funder' && anonymous = false";
const NAMED_FUNDER_RECORD = "published_by = 'funder' && applicant_anonymous = false && consent != 'requested' && consent != 'refused'";

/** The other side's published record of the same application (same call and applicant), if any — never when either side hides someone. */
export async function findCounterpart(post: RecordModel): Promise<RecordModel | null> {
  if (!post.call || hidesSomeone(post)) return null;
  const pb = await getPocketBase();
  const filter =
    post.published_by === "funder"
      ? pb.filter(`call = {:c} && ${NAMED_APPLICANT_ACCOUNT} && organization = {:o} && status = 'published' && counterpart = ''`, {
          c: post.call,
          o: post.applicant_organization || "-",
        })
      : pb.filter(`call = {:c} && ${NAMED_FUNDER_RECORD} && applicant_organization = {:o} && status = 'published' && counterpart = ''`, {
          c: post.call,
          o: post.organization,
        });
  const found = await pb.collection("posts").getList(1, 1, { filter, sort: "-published_at" });
  const other = found.items[0] ?? null;
  return other && !hidesSomeone(other) ? other : null;
}

/**
 * For moderators only: the other records of the same application (same call and
 * applicant organisation, any status but withdrawn/rejected), when this post or the other
 * hides someone — publishing both lets readers match them by call, amounts and dates.
 */
export async function findUnlinkableRecords(
  post: RecordModel,
): Promise<{ id: string; slug: string; title: string; status: string; publishedBy: string; hides: boolean }[]> {
  if (post.kind !== "funding_application" || !post.call) return [];
  const applicantOrg = post.published_by === "funder" ? post.applicant_organization : post.organization;
  if (!applicantOrg) return [];
  const pb = await getPocketBase();
  const filter =
    post.published_by === "funder"
      ? pb.filter(
          "call = {:c} && kind = 'funding_application' && published_by != 'funder' && organization = {:o} && id != {:id} && status != 'withdrawn' && status != 'rejected'",
          {
            c: post.call,
            o: applicantOrg,
            id: post.id,
          },
        )
      : pb.filter("call = {:c} && published_by = 'funder' && applicant_organization = {:o} && id != {:id} && status != 'withdrawn' && status != 'rejected'", {
          c: post.call,
          o: applicantOrg,
          id: post.id,
        });
  const others = await pb.collection("posts").getFullList({
    filter,
    sort: "-created",
    fields: "id,slug,title,status,published_by,anonymous,applicant_anonymous,consent,applicant_organization,applicant_name",
  });
  const mine = hidesSomeone(post);
  return others
    .filter((o) => mine || hidesSomeone(o))
    .map((o) => ({
      id: o.id,
      slug: o.slug,
      title: o.title,
      status: o.status,
      publishedBy: o.published_by === "funder" ? "funder" : "applicant",
      hides: hidesSomeone(o),
    }));
}

/**
 * True when a funding record may not be published yet: the applicant has not answered and
 * its deadline has not passed. After the deadline an unanswered record is published with
 * the applicant's descriptor only (hidesSomeone treats "requested" as anonymised).
 */
export function awaitsConsent(post: Record<string, unknown>, at: number = now()): boolean {
  if (post.kind !== "funding_application" || post.consent !== "requested") return false;
  const deadline = typeof post.consent_deadline === "string" && post.consent_deadline ? Date.parse(post.consent_deadline) : Number.NaN;
  // Records from before deadlines existed wait for an answer, as they always did.
  return Number.isNaN(deadline) || at < deadline;
}

/** Public funding calls, newest first. */
export async function listPublicCalls(): Promise<PublicCallSummary[]> {
  const pb = await getPocketBase();
  const calls = await pb.collection("funding_calls").getFullList({ filter: "status != 'draft'", sort: "-opens_on,-created", expand: "funder" });
  return calls.map(toCallSummary);
}

/** Calls of one funder, drafts included, for its editors. */
export async function listFunderCalls(actor: Actor | null, funderId: string): Promise<PublicCallSummary[]> {
  await funderOf(actor, funderId);
  const pb = await getPocketBase();
  const calls = await pb.collection("funding_calls").getFullList({ filter: pb.filter("funder = {:f}", { f: funderId }), sort: "-created", expand: "funder" });
  return calls.map(toCallSummary);
}

/** A call's status as readers should see it today: an open call whose closing date has passed is closed. */
export function effectiveCallStatus(status: string, closesOn: string | null, today: string = brusselsToday()): string {
  return status === "open" && closesOn && closesOn.slice(0, 10) < today ? "closed" : status;
}

// Calls close at the end of their closing day in Brussels, whatever UTC says.
// Made once: building an Intl.DateTimeFormat costs ~0.3 ms, and the page validators (pagecache.ts)
// ask for the day on every anonymous request (17 % of a cached page's CPU when it was built per call).
const BRUSSELS_DAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels", year: "numeric", month: "2-digit", day: "2-digit" });

let dayOfMinute: { minute: number; day: string } | null = null;

/** Today's date in Brussels (YYYY-MM-DD): the day calls close by. */
export function brusselsToday(): string {
  // Formatting with a time zone still costs ~30 µs: once per minute of the (injectable) clock is enough.
  const minute = Math.floor(now() / 60_000);
  if (dayOfMinute?.minute !== minute) dayOfMinute = { minute, day: BRUSSELS_DAY.format(new Date(minute * 60_000)) };
  return dayOfMinute.day;
}

function toCallSummary(c: RecordModel): PublicCallSummary {
  return {
    id: c.id,
    slug: c.slug,
    title: c.title,
    programme: c.programme || null,
    description: c.description || "",
    eligibility: c.eligibility || "",
    descriptionLanguage: c.description_language || null,
    budget: c.budget || null,
    currency: c.currency || "EUR",
    opensOn: c.opens_on || null,
    closesOn: c.closes_on || null,
    url: safeHref(c.url),
    status: effectiveCallStatus(c.status, c.closes_on || null),
    funder: { id: c.expand?.funder?.id ?? c.funder, slug: c.expand?.funder?.slug ?? "", name: c.expand?.funder?.name ?? "" },
  };
}

/** A public call by slug, or null (drafts are not public). */
export async function getPublicCall(slug: string): Promise<PublicCallSummary | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) return null;
  const pb = await getPocketBase();
  try {
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s} && status != 'draft'", { s: slug }), { expand: "funder" });
    return toCallSummary(call);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** Whether the actor may record decisions and edit calls for a funder. */
export function canManageFunding(actor: Actor | null, funder: { id: string; verified: boolean; kind: string }): boolean {
  return can(actor, "funding.manage", { organization: { id: funder.id, verified: funder.verified }, organizationKind: funder.kind });
}

/** A call as the public sees it. */
export type PublicCallSummary = {
  id: string;
  slug: string;
  title: string;
  programme: string | null;
  description: string;
  eligibility: string;
  /** The language of the call's texts, for their `lang`; null when not said. */
  descriptionLanguage: string | null;
  budget: number | null;
  currency: string;
  opensOn: string | null;
  closesOn: string | null;
  url: string | null;
  status: string;
  funder: { id: string; slug: string; name: string };
};
/** A funder's record about the applicant, with its consent question, as its admin sees it. */
export type ConsentRequest = {
  id: string;
  title: string;
  funder: string;
  call: string | null;
  decision: string;
  decidedOn: string | null;
  reasons: string[];
  reasonText: string;
  feedbackHtml: string;
  amountRequested: number | null;
  amountAwarded: number | null;
  currency: string;
  language: string;
  applicant: string;
  /** The organisation's own pseudonymous descriptor, as it would be published if anonymised. */
  descriptor: string;
  consent: "requested" | "granted" | "refused";
  /** When an unanswered request lapses (the record may then be published anonymised); null for older records. */
  deadline: string | null;
  overdue: boolean;
  answers: { answer: "grant" | "anonymise"; at: string; by: string }[];
};
/** One validated decision. */
export type DecisionInput = z.infer<typeof decisionSchema>;

/**
 * Drops an applicant's account when the funder's record of the same application (same call
 * and applicant organisation) is in the same list: both describe one application. Matched
 * here, privately, rather than through a stored link, so that an anonymous account is not
 * listed next to the named record readers could match it with (issue 9 §1).
 */
function onePerApplication(records: RecordModel[]): RecordModel[] {
  const ids = new Set(records.map((r) => r.id));
  const recorded = new Set(
    records.filter((r) => r.published_by === "funder" && r.call && r.applicant_organization).map((r) => `${r.call}|${r.applicant_organization}`),
  );
  return records.filter(
    (r) =>
      !(
        r.published_by !== "funder" &&
        ((r.counterpart && ids.has(r.counterpart)) || (r.call && r.organization && recorded.has(`${r.call}|${r.organization}`)))
      ),
  );
}

/**
 * Funders' published decisions grouped per call, the call with the latest publication first
 * (the home page shows these groups instead of one card per decision, issue 11 §16).
 */
export function listDecisionGroups(limit = 6): Promise<DecisionGroup[]> {
  // A call's status depends on the day (closes_on): the day is part of the key.
  return projection(`decision-groups:${limit}:${brusselsToday()}`, () => loadDecisionGroups(limit));
}

async function loadDecisionGroups(limit: number): Promise<DecisionGroup[]> {
  const pb = await getPocketBase();
  // The latest thousand records are plenty to find the few most recent calls.
  const records = await pb.collection("posts").getList(1, 1000, {
    filter: "status = 'published' && kind = 'funding_application' && published_by = 'funder' && call != ''",
    sort: "-published_at",
    fields: "call,decision,published_at,expand.call.slug,expand.call.title,expand.call.status,expand.call.closes_on,expand.call.expand.funder.name",
    expand: "call.funder",
    skipTotal: true,
  });
  const groups = new Map<string, DecisionGroup>();
  for (const r of records.items) {
    const call = r.expand?.call;
    if (!call) continue;
    let group = groups.get(r.call);
    if (!group) {
      if (groups.size >= limit) continue;
      group = {
        call: { slug: call.slug, title: call.title, status: effectiveCallStatus(call.status, call.closes_on || null) },
        funder: call.expand?.funder?.name ?? "",
        latest: r.published_at,
        total: 0,
        byDecision: {},
      };
      groups.set(r.call, group);
    }
    group.total++;
    group.byDecision[r.decision] = (group.byDecision[r.decision] ?? 0) + 1;
  }
  return [...groups.values()];
}

/** A call's published decisions in one line of the home page. */
export type DecisionGroup = {
  call: { slug: string; title: string; status: string };
  funder: string;
  latest: string;
  total: number;
  byDecision: Record<string, number>;
};

/** Published funding records of a call, one per application (the funder's when both sides published). */
export async function listCallDecisions(locale: Locale, callId: string): Promise<PublicPost[]> {
  const pb = await getPocketBase();
  const records = await pb.collection("posts").getFullList({
    filter: pb.filter("call = {:c} && status = 'published' && kind = 'funding_application'", { c: callId }),
    sort: "-decided_on,-published_at",
    expand: "organization,call,funder,applicant_organization,counterpart",
  });
  // An applicant's account that is linked to the funder's record describes the same application.
  return onePerApplication(records).map((r) => toPublicPost(locale, r));
}

/** Counts per decision and per rejection reason over a list of public decisions. */
export function decisionStats(decisions: PublicPost[]): {
  total: number;
  byDecision: Record<string, number>;
  reasons: { reason: string; count: number }[];
  requested: number;
  awarded: number;
} {
  const byDecision: Record<string, number> = {};
  const reasons = new Map<string, number>();
  let requested = 0;
  let awarded = 0;
  for (const d of decisions) {
    const f = d.funding;
    if (!f?.decision) continue;
    byDecision[f.decision] = (byDecision[f.decision] ?? 0) + 1;
    requested += f.amountRequested ?? 0;
    if (f.decision === "awarded") awarded += f.amountAwarded ?? 0;
    if (f.decision === "rejected") for (const r of new Set(f.rejectionReasons)) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  return {
    total: decisions.length,
    byDecision,
    reasons: [...reasons.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    requested,
    awarded,
  };
}

/** Imports a CSV of decisions for a call: every row checked first, then all written or none. */
export async function importDecisionsCsv(actor: Actor | null, callId: string, file: Uint8Array): Promise<{ created: number; consentRequests: number }> {
  const pb = await getPocketBase();
  const call = await pb
    .collection("funding_calls")
    .getOne(callId)
    .catch(() => null);
  if (!call) throw new ValidationError("call", say("domain.funding.unknown_call"));
  await funderOf(actor, call.funder);
  const orgs = await pb.collection("organizations").getFullList({ filter: "verified = true", fields: "slug,name" });
  const parsed = parseDecisionsCsv(file, {
    knownOrganizations: orgs.map((o) => ({ slug: o.slug, name: o.name })),
    opensOn: typeof call.opens_on === "string" && call.opens_on ? call.opens_on.slice(0, 10) : null,
  });
  if (!parsed.ok) {
    const lines = parsed.errors
      .slice(0, 50)
      .map((e) =>
        e.row === 0
          ? e.column
            ? say("domain.csv.line_file_column", { column: e.column, problem: e.message })
            : say("domain.csv.line_file", { problem: e.message })
          : e.column
            ? say("domain.csv.line_row_column", { row: e.row, column: e.column, problem: e.message })
            : say("domain.funding.row", { row: e.row, problem: e.message }),
      );
    if (parsed.errors.length > 50) lines.push(`… and ${parsed.errors.length - 50} more.`);
    throw new ValidationError("file", say("domain.funding.import_failed", { lines: lines.join("\n") }));
  }
  return recordDecisions(
    actor,
    callId,
    parsed.rows.map((r) => ({
      title: r.title,
      applicantType: r.applicantType,
      applicant: r.applicantSlug ?? r.applicantName ?? "",
      applicantRegion: r.applicantRegion,
      applicantKind: r.applicantKind,
      amountRequested: r.amountRequested,
      amountAwarded: r.amountAwarded,
      currency: r.currency,
      decision: r.decision,
      decidedOn: r.decidedOn,
      rejectionReasons: r.rejectionReasons,
      reasonText: r.reasonText ?? "",
      feedback: r.feedback ?? "",
      language: r.language,
      consentObtained: r.consentObtained,
      careSettings: r.careSettings,
      aiTypes: r.aiTypes,
    })),
  );
}

/** Every public funding record (one per application) and case study, shaped for the insights. */
export function loadInsightData(): Promise<{ decisions: InsightDecision[]; cases: InsightCase[] }> {
  return projection("insights:data", loadInsightDataUncached);
}

async function loadInsightDataUncached(): Promise<{ decisions: InsightDecision[]; cases: InsightCase[] }> {
  const pb = await getPocketBase();
  const records = await pb.collection("posts").getFullList({
    filter: "status = 'published' && (kind = 'funding_application' || kind = 'case_study')",
    fields: `id,kind,published_by,counterpart,call,organization,applicant_organization,decision,decided_on,published_at,rejection_reasons,care_settings,ai_types,outcome,funder_name,${CASE_FACT_FIELDS.join(",")},changed_roles,expand.funder.slug,expand.funder.name,expand.call.slug,expand.call.title`,
    expand: "funder,call",
    batch: 1000,
  });
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const yearOf = (...dates: unknown[]) => {
    const d = dates.find((x) => typeof x === "string" && x.length >= 4) as string | undefined;
    return d ? Number(d.slice(0, 4)) : null;
  };
  const decisions = onePerApplication(records.filter((r) => r.kind === "funding_application" && r.decision)).map((r) => ({
    id: r.id,
    funderSlug: r.expand?.funder?.slug ?? slugify(r.funder_name || "unknown"),
    funderName: r.expand?.funder?.name ?? (r.funder_name || "—"),
    callSlug: r.expand?.call?.slug ?? null,
    callTitle: r.expand?.call?.title ?? null,
    decision: r.decision,
    year: yearOf(r.decided_on, r.published_at),
    rejectionReasons: list(r.rejection_reasons),
    careSettings: list(r.care_settings),
    aiTypes: list(r.ai_types),
  }));
  const cases = records
    .filter((r) => r.kind === "case_study" && r.outcome)
    .map((r) => ({
      id: r.id,
      outcome: r.outcome,
      careSettings: list(r.care_settings),
      aiTypes: list(r.ai_types),
      year: yearOf(r.published_at),
      // Facts stay as stored: "" (not answered) is kept out by outcomesByFact, "unknown" is an answer.
      facts: Object.fromEntries(CASE_FACT_FIELDS.map((field) => [field, typeof r[field] === "string" ? r[field] : ""])),
      changedRoles: list(r.changed_roles),
    }));
  return { decisions, cases };
}

/** Every public funding record (one per application) in the shape of the open-data exports. */
export async function loadPublicDecisions(): Promise<PublicDecision[]> {
  const pb = await getPocketBase();
  const records = await pb.collection("posts").getFullList({
    filter: "status = 'published' && kind = 'funding_application' && decision != ''",
    sort: "-decided_on,-published_at",
    expand: "organization,call,funder,applicant_organization,counterpart",
    batch: 1000,
  });
  const base = getConfig().publicUrl;
  return onePerApplication(records).map((r) => {
    const p = toPublicPost("en", r);
    const f = p.funding!;
    return {
      id: r.id,
      slug: p.slug,
      url: `${base}/posts/${p.slug}`,
      title: p.title,
      call: r.expand?.call ? { slug: r.expand.call.slug, title: r.expand.call.title, programme: r.expand.call.programme || null } : null,
      funder: { slug: f.funderSlug ?? slugify(f.funderName ?? "unknown"), name: f.funderName ?? "—" },
      applicant: f.applicant,
      amountRequested: f.amountRequested,
      amountAwarded: f.decision === "awarded" ? f.amountAwarded : null,
      currency: f.currency,
      decision: (f.decision ?? "pending") as "awarded" | "rejected" | "withdrawn" | "pending",
      decidedOn: f.decidedOn,
      rejectionReasons: f.rejectionReasons,
      reasonText: f.reasonText,
      language: p.language,
      careSettings: p.careSettings,
      aiTypes: p.aiTypes,
      publishedAt: p.publishedAt ?? "",
    };
  });
}

/**
 * What a moderator must see before approving a post that hides someone (issue 9 §1, §2):
 * the descriptor it would be published under now, and the other records of the same
 * application that readers could match with it by call, amounts and dates.
 */
export async function reviewAnonymity(actor: Actor | null, locale: Locale, postId: string): Promise<AnonymityReview> {
  assertCan(actor, "post.view_history");
  const pb = await getPocketBase();
  const post = await pb
    .collection("posts")
    .getOne(postId, { expand: "organization,applicant_organization,pending_revision" })
    .catch(() => null);
  if (!post) return { descriptor: null, related: [] };
  const live = { ...post, ...(post.expand?.pending_revision?.data ?? {}), expand: post.expand } as RecordModel;
  const subject = pseudonymousSubject(live);
  const descriptor = subject && hidesSomeone(live) ? ((await previewDescriptors(locale, [subject]))[0] ?? null) : null;
  return { descriptor, related: await findUnlinkableRecords(live) };
}

/** The anonymity panel of the moderation review. */
export type AnonymityReview = {
  descriptor: { text: string; shared: number; k: number } | null;
  related: { id: string; slug: string; title: string; status: string; publishedBy: string; hides: boolean }[];
};
