// What an author may write: one flat schema (Astro form actions need an object at the
// top), with per-kind requirements checked in superRefine so each problem is reported
// on its own field.
import { z } from "zod";
import { AI_TYPES, CASE_FACTS, CASE_FACT_LISTS, CARE_SETTINGS, DECISIONS, LANGUAGES, LIFECYCLE_STAGES, OUTCOMES, REJECTION_REASONS } from "../codelists.ts";
import { issueMessage, say } from "../../i18n/domain.ts";

// Astro gives null for empty form fields; the domain is also called with plain objects.
const text = (max: number, message: string) => z.preprocess((v) => (v == null ? "" : v), z.string().trim().max(max, { error: message }));

/** A title the call, decision-recording and decision-editing forms require: 8 to 300 characters. */
export const requiredTitle = z.preprocess(
  (v) => v ?? "",
  z
    .string()
    .trim()
    .min(8, { error: say("domain.post.title") })
    .max(300, { error: say("domain.post.title_max", { max: 300 }) }),
);
const optionalDate = z.preprocess(
  (v) => (v == null || v === "" ? null : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: say("domain.date.format") })
    .refine((d) => !Number.isNaN(Date.parse(d)), { error: say("domain.date.real") })
    .nullable(),
);
const optionalAmount = z.preprocess(
  (v) => (v == null || v === "" ? null : typeof v === "string" ? Number(v.replace(/[\s.]/g, "").replace(",", ".")) : v),
  z
    .number({ error: say("domain.amount.digits") })
    .finite({ error: say("domain.amount.digits") })
    .min(0, { error: say("domain.amount.negative") })
    .max(1e10, { error: say("domain.amount.too_large") })
    .nullable(),
);
// A controlled fact: one value of its list, or null when not answered.
function optionalCode<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess((v) => v || null, z.enum(values, { error: say("domain.facts.choice") }).nullable());
}
// A whole number of hours or months, or null when not known.
function optionalCount(max: number) {
  return z.preprocess(
    (v) => (v == null || v === "" ? null : typeof v === "string" ? Number(v.trim().replace(",", ".")) : v),
    z
      .number({ error: say("domain.facts.whole_number") })
      .int({ error: say("domain.facts.whole_number") })
      .min(0, { error: say("domain.facts.whole_number") })
      .max(max, { error: say("domain.facts.too_large", { max }) })
      .nullable(),
  );
}
const flag = z.preprocess((v) => v === true || v === "on" || v === "true" || v === "yes", z.boolean());

/** The post form's fields, both kinds in one object (refined by postFormSchema). */
export const postFieldsSchema = z.object({
  kind: z.enum(["case_study", "funding_application", "discussion", "round_table_summary"], { error: say("domain.post.kind") }),
  organization: z.string().regex(/^[a-z0-9]{15}$/, { error: say("domain.post.organization") }),
  // Lengths that make a story worth reading are submission rules (refineSubmission): a
  // draft keeps whatever the author has so far (issue 11 §2).
  title: text(300, say("domain.post.title_max", { max: 300 })),
  summary: text(1000, say("domain.post.summary_max", { max: 1000 })),
  body_md: text(100_000, say("domain.post.body_max", { max: 100_000 })),
  language: z.enum(LANGUAGES, { error: say("domain.post.language") }),
  tags: z.preprocess(
    (v) => (Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : []),
    z
      .array(z.string().trim().toLowerCase())
      .transform((tags) => [...new Set(tags.filter(Boolean))])
      .pipe(
        z
          .array(z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N} -]{0,39}$/u, { error: say("domain.post.tags_format") }))
          .max(10, { error: say("domain.post.tags_max", { max: 10 }) }),
      ),
  ),
  anonymous: flag,
  // The published post this one translates (issue 12 §4); only read when a post is created.
  translation_of: z.preprocess(
    (v) => v || null,
    z
      .string()
      .regex(/^[a-z0-9]{15}$/, { error: "The post to translate does not exist or is not published." })
      .nullable(),
  ),
  // discussion: the published case studies or funding records it is about (issue 14 §1), as
  // addresses or slugs typed by the author (or stored ids); discussions.ts resolves and checks them.
  about: z.preprocess(
    (v) => (Array.isArray(v) ? v.flatMap((x) => (typeof x === "string" ? x.split(/[\s,]+/) : [])) : typeof v === "string" ? v.split(/[\s,]+/) : []),
    z
      .array(z.string().trim())
      .transform((refs) => [...new Set(refs.map(aboutRef).filter(Boolean))])
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { error: say("domain.discussion.about_format") })
              .max(160, { error: say("domain.discussion.about_format") }),
          )
          .max(10, { error: say("domain.discussion.about_max", { max: 10 }) }),
      ),
  ),
  // round_table_summary: the round table it reports on (its slug from the page, or the stored id); summaries.ts checks it.
  round_table: z.preprocess(
    (v) => (typeof v === "string" ? v.trim().toLowerCase() : ""),
    z
      .string()
      .max(120, { error: say("domain.summary.round_table") })
      .regex(/^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$/, { error: say("domain.summary.round_table") }),
  ),
  // case study
  outcome: z.preprocess((v) => v || null, z.enum(OUTCOMES).nullable()),
  care_settings: z.array(z.enum(CARE_SETTINGS)).default([]),
  ai_types: z.array(z.enum(AI_TYPES)).default([]),
  lifecycle_stage: z.preprocess((v) => v || null, z.enum(LIFECYCLE_STAGES).nullable()),
  started_on: optionalDate,
  ended_on: optionalDate,
  dpo_involved: flag,
  data_sources: text(5000, say("domain.post.data_sources_max", { max: 5000 })),
  cost_eur: optionalAmount,
  // Governance and data facts (issue 17 §1), each optional; "" is "not answered".
  human_oversight: optionalCode(CASE_FACTS.human_oversight),
  dpo_involvement: optionalCode(CASE_FACTS.dpo_involvement),
  dpia: optionalCode(CASE_FACTS.dpia),
  ethics_review: optionalCode(CASE_FACTS.ethics_review),
  data_location: optionalCode(CASE_FACTS.data_location),
  data_sharing: optionalCode(CASE_FACTS.data_sharing),
  data_quality: optionalCode(CASE_FACTS.data_quality),
  coding_corrected: optionalCode(CASE_FACTS.coding_corrected),
  medical_device: optionalCode(CASE_FACTS.medical_device),
  ai_act_risk: optionalCode(CASE_FACTS.ai_act_risk),
  nis2: optionalCode(CASE_FACTS.nis2),
  // A plain array, as care_settings: Astro reads every value of a form field only for a z.array.
  changed_roles: z.array(z.enum(CASE_FACT_LISTS.changed_roles)).default([]),
  training_hours: optionalCount(100_000),
  staff_view: text(5000, say("domain.post.data_sources_max", { max: 5000 })),
  process_change: text(5000, say("domain.post.data_sources_max", { max: 5000 })),
  cost_yearly_eur: optionalAmount,
  savings_eur: optionalAmount,
  savings_method: text(5000, say("domain.post.data_sources_max", { max: 5000 })),
  payback_months: optionalCount(600),
  lessons_md: text(50_000, say("domain.post.lessons_max", { max: 50_000 })),
  // funding application (the applicant's side)
  funder_name: text(300, say("domain.post.funder_name_max", { max: 300 })),
  call: z.preprocess(
    (v) => v || null,
    z
      .string()
      .regex(/^[a-z0-9]{15}$/, { error: say("domain.post.call") })
      .nullable(),
  ),
  amount_requested: optionalAmount,
  amount_awarded: optionalAmount,
  submitted_on: optionalDate,
  decided_on: optionalDate,
  decision: z.preprocess((v) => v || null, z.enum(DECISIONS).nullable()),
  rejection_reasons: z.array(z.enum(REJECTION_REASONS)).default([]),
  funder_feedback_md: text(50_000, say("domain.post.funder_feedback_max", { max: 50_000 })),
  reflection_md: text(50_000, say("domain.post.reflection_max", { max: 50_000 })),
});

/** The slug in what an author typed for "about": a post's address (…/posts/<slug>, any language prefix), or the slug itself. */
export function aboutRef(typed: string): string {
  const trimmed = typed.trim();
  const match = /\/posts\/([^/?#\s]+)/.exec(trimmed);
  return (match ? match[1]! : trimmed).toLowerCase();
}

/** What must hold even in a draft: dates and amounts that contradict each other. */
export function refinePost(v: z.infer<typeof postFieldsSchema>, ctx: z.RefinementCtx): void {
  const need = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (v.kind === "case_study") {
    if (v.started_on && v.ended_on && v.ended_on < v.started_on) need("ended_on", say("domain.post.end_before_start"));
  } else if (v.submitted_on && v.decided_on && v.decided_on < v.submitted_on) need("decided_on", say("domain.post.decided_before_submitted"));
}

/** The rules a post must meet to be submitted (on top of refinePost), each reported on its own field. */
export function refineSubmission(v: z.infer<typeof postFieldsSchema>, ctx: z.RefinementCtx): void {
  const need = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (v.title.length < 8) need("title", say("domain.post.title"));
  // A discussion is a title and a question (issue 14 §1): no summary, story template or facts to require.
  if (v.kind === "discussion") {
    if (markdownText(v.body_md).length < 20) need("body_md", say("domain.discussion.question_short", { min: 20 }));
    return;
  }
  if (v.summary.length < 20) need("summary", say("domain.post.summary"));
  const story = withoutHeadings(v.body_md);
  if (!story) need("body_md", v.body_md ? say("domain.post.body_headings") : say("domain.post.body_short"));
  else if (v.body_md.length < 50) need("body_md", say("domain.post.body_short"));
  // A round table's summary: a title, a summary and the account itself — no case study or funding facts.
  if (v.kind === "round_table_summary") return;
  if (v.kind === "case_study") {
    if (!v.outcome) need("outcome", say("domain.post.outcome"));
    if (!v.lifecycle_stage) need("lifecycle_stage", say("domain.post.lifecycle"));
    if (v.care_settings.length === 0) need("care_settings", say("domain.post.care_settings"));
    if (v.ai_types.length === 0) need("ai_types", say("domain.post.ai_types"));
  } else {
    if (!v.funder_name && !v.call) need("funder_name", say("domain.post.funder"));
    if (!v.decision) need("decision", say("domain.post.decision"));
    if (v.amount_requested === null) need("amount_requested", say("domain.post.amount_requested"));
    if (v.decision === "rejected" && v.rejection_reasons.length === 0) need("rejection_reasons", say("domain.post.rejection_reasons"));
    if (v.decision === "awarded" && (v.amount_awarded ?? 0) <= 0) need("amount_awarded", say("domain.post.amount_awarded"));
  }
}

// The words of a short Markdown text, for a length rule (markup and spaces do not count).
function markdownText(markdown: string): string {
  return markdown
    .replace(/[#*_`>[\]()~-]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** The text of a Markdown story without its heading lines, so that a template's headings alone do not count as a story. */
export function withoutHeadings(markdown: string): string {
  return markdown
    .split(/\r?\n/)
    .filter((line) => !/^\s{0,3}#{1,6}(\s|$)/.test(line))
    .join("\n")
    .trim();
}

/** A draft as it may be saved: anything the author has so far, as long as it is not contradictory. */
export const draftFormSchema = postFieldsSchema.superRefine(refinePost);

/** A post that may be submitted (and imported): every rule. */
export const postFormSchema = postFieldsSchema.superRefine((v, ctx) => {
  refinePost(v, ctx);
  refineSubmission(v, ctx);
});

/**
 * Field by field, what keeps a stored post (or pending revision) from being submitted;
 * empty when it may be. Stored dates carry a time and stored amounts 0 for "none".
 */
export function submissionProblems(
  stored: Record<string, unknown>,
  post: { kind: string; organization: string; publishedBy: string | null },
): Record<string, string> {
  // The post's, not `stored`'s: a revision's content has no `published_by`.
  if (post.publishedBy === "funder") return recordedDecisionProblems(stored);
  const data: Record<string, unknown> = { ...stored, kind: post.kind, organization: post.organization };
  // PocketBase answers null for a JSON field never written (changed_roles on a funder's recorded
  // decision): that is an answer left out, as the form would send it, not an invalid one.
  for (const [field, value] of Object.entries(data)) if (value === null) delete data[field];
  for (const f of ["started_on", "ended_on", "submitted_on", "decided_on"]) if (typeof data[f] === "string") data[f] = (data[f] as string).slice(0, 10);
  for (const f of ["amount_requested", "amount_awarded", "cost_eur", "cost_yearly_eur", "savings_eur"]) if (data[f] === 0) data[f] = null;
  if (Array.isArray(data.tags)) data.tags = data.tags.join(",");
  const parsed = postFormSchema.safeParse(data);
  const problems: Record<string, string> = {};
  if (parsed.success) return problems;
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? "post");
    problems[field] ??= issueMessage(issue);
  }
  return problems;
}

// A list of codes from a form (one value or several) or from the domain (an array).
const codeList = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (v == null || v === "" ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(values, { error: say("domain.facts.choice") })));

/**
 * What a funder may change in a decision it recorded, before publication (dashboard): the wording
 * and the facts. Not the call, the applicant nor the decision itself: the applicant's consent was
 * asked on those, so changing them means withdrawing the record and recording it again.
 */
export const decisionEditSchema = z.object({
  title: requiredTitle,
  amountRequested: z.preprocess(
    (v) => (v == null || v === "" ? undefined : typeof v === "string" ? Number(v.replace(/[\s.]/g, "").replace(",", ".")) : v),
    z
      .number({ error: say("domain.funding.amount_requested_digits") })
      .finite({ error: say("domain.funding.amount_requested_digits") })
      .min(0, { error: say("domain.amount.negative") })
      .max(1e10, { error: say("domain.amount.too_large") }),
  ),
  amountAwarded: optionalAmount,
  decidedOn: z.preprocess(
    (v) => (typeof v === "string" ? v.slice(0, 10) : v),
    z
      .string({ error: say("domain.funding.decided_on") })
      .regex(/^\d{4}-\d{2}-\d{2}$/, { error: say("domain.funding.decided_on") })
      .refine((d) => !Number.isNaN(Date.parse(d)), { error: say("domain.date.real") }),
  ),
  language: z.enum(LANGUAGES, { error: say("domain.funding.language") }),
  rejectionReasons: codeList(REJECTION_REASONS),
  reasonText: text(5000, say("domain.post.data_sources_max", { max: 5000 })),
  feedback: text(50000, say("domain.post.funder_feedback_max", { max: 50000 })),
  careSettings: codeList(CARE_SETTINGS),
  aiTypes: codeList(AI_TYPES),
});

/** A recorded decision's editable fields, as decisionEditSchema reads them. */
export type DecisionEdit = z.infer<typeof decisionEditSchema>;

/** The rules that depend on the decision (which the edit cannot change), by field: a refusal gives its reasons, an award its amount. */
export function decisionRuleProblems(edit: Pick<DecisionEdit, "rejectionReasons" | "amountAwarded">, decision: string): Record<string, string> {
  const problems: Record<string, string> = {};
  if (decision === "rejected" && edit.rejectionReasons.length === 0) problems.rejectionReasons = say("domain.funding.refusal_reasons");
  if (decision !== "rejected" && edit.rejectionReasons.length > 0) problems.rejectionReasons = say("domain.funding.reasons_refusals_only");
  if (decision === "awarded" && !(edit.amountAwarded && edit.amountAwarded > 0)) problems.amountAwarded = say("domain.post.amount_awarded");
  return problems;
}

/** A stored recorded decision's fields under the edit form's names. */
export function decisionEditValues(stored: Record<string, unknown>): Record<string, unknown> {
  return {
    title: stored.title ?? "",
    amountRequested: stored.amount_requested ?? 0,
    amountAwarded: stored.amount_awarded ? stored.amount_awarded : null,
    decidedOn: typeof stored.decided_on === "string" ? stored.decided_on.slice(0, 10) : "",
    language: stored.language ?? "",
    rejectionReasons: stored.rejection_reasons ?? [],
    reasonText: stored.rejection_note ?? "",
    feedback: stored.funder_feedback_md ?? "",
    careSettings: stored.care_settings ?? [],
    aiTypes: stored.ai_types ?? [],
  };
}

// A funder's recorded decision is judged by the decision rules (what recording it required),
// not by the applicant's post form: it has no summary or story of its own.
function recordedDecisionProblems(stored: Record<string, unknown>): Record<string, string> {
  const parsed = decisionEditSchema.safeParse(decisionEditValues(stored));
  if (!parsed.success) {
    const problems: Record<string, string> = {};
    for (const issue of parsed.error.issues) problems[String(issue.path[0] ?? "post")] ??= issueMessage(issue);
    return problems;
  }
  return decisionRuleProblems(parsed.data, String(stored.decision ?? ""));
}

/**
 * The findings whose "not personal data" reason cannot be accepted: one typed too short,
 * or the one whose button was pressed left empty. `ids` and `reasons` are parallel.
 */
export function dismissalProblems(ids: string[], reasons: string[], clicked?: string): string[] {
  return ids.filter((id, i) => {
    const reason = (reasons[i] ?? "").trim();
    return (reason.length > 0 && reason.length < 5) || (id === clicked && reason.length === 0);
  });
}

/** The text fields the privacy guard scans, with the names it reports. */
export const SCANNED_FIELDS = [
  "title",
  "summary",
  "body_md",
  "lessons_md",
  "data_sources",
  "staff_view",
  "process_change",
  "savings_method",
  "funder_feedback_md",
  "reflection_md",
  "funder_name",
] as const;

/**
 * The text fields of a funder's recorded decision: its title, reasons and feedback (its summary is
 * the first part of its reasons, so scanning both would report every finding twice).
 */
export const DECISION_SCANNED_FIELDS = ["title", "rejection_note", "funder_feedback_md"] as const;

/** The fields the privacy guard scans in this post: a funder's recorded decision has its own. */
export function scannedFieldsOf(post: Record<string, unknown>): readonly string[] {
  return post.published_by === "funder" ? DECISION_SCANNED_FIELDS : SCANNED_FIELDS;
}

/** Fields of a post that a revision snapshots and that moderation can change. */
export const CONTENT_FIELDS = [
  "title",
  "summary",
  "body_md",
  "body_html",
  "language",
  "tags",
  "anonymous",
  "public_descriptor",
  "outcome",
  "care_settings",
  "ai_types",
  "lifecycle_stage",
  "started_on",
  "ended_on",
  "dpo_involved",
  "data_sources",
  "cost_eur",
  "human_oversight",
  "dpo_involvement",
  "dpia",
  "ethics_review",
  "data_location",
  "data_sharing",
  "data_quality",
  "coding_corrected",
  "medical_device",
  "ai_act_risk",
  "nis2",
  "changed_roles",
  "training_hours",
  "staff_view",
  "process_change",
  "cost_yearly_eur",
  "savings_eur",
  "savings_method",
  "payback_months",
  "lessons_md",
  "lessons_html",
  "funder_name",
  "call",
  "funder",
  "amount_requested",
  "amount_awarded",
  "submitted_on",
  "decided_on",
  "decision",
  "rejection_reasons",
  "rejection_note",
  "funder_feedback_md",
  "funder_feedback_html",
  "reflection_md",
  "reflection_html",
  "privacy_findings",
  "privacy_dismissals",
  "about",
] as const;

/** A valid post form. */
export type PostInput = z.infer<typeof postFormSchema>;
