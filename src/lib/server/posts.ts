// Posts: the public read side. Every public surface goes through toPublicPost, which
// selects public fields explicitly and hides the organisation of anonymous posts
// (DESIGN.md §5 invariant 1).
import type { RecordModel } from "pocketbase";
import { CASE_FACTS, CASE_FACT_FIELDS, CASE_FACT_LISTS, type CaseFact } from "../codelists.ts";
import type { Locale } from "../../i18n/index.ts";
import { renderDescriptor } from "./anonymity.ts";
import { describeOrganization, type OrganizationRecord } from "./orgs.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { projection } from "./projections.ts";
import { renderedHtmlToPlainText } from "./markdown.ts";

// `about`: what a discussion is about (only its published entries are ever shown, aboutOf).
const PUBLIC_EXPAND = "organization,call,funder,applicant_organization,counterpart,about";

/** Published posts, newest first; `kinds` keeps only those kinds (all when absent). */
export function listPublishedPosts(
  locale: Locale,
  options: { page?: number; perPage?: number; storiesOnly?: boolean; kinds?: readonly string[] } = {},
): Promise<PublicPostPage> {
  const key = JSON.stringify([options.page ?? 1, options.perPage ?? 20, Boolean(options.storiesOnly), options.kinds ?? []]);
  return projection(`posts:${locale}:${key}`, () => loadPublishedPosts(locale, options));
}

async function loadPublishedPosts(
  locale: Locale,
  options: { page?: number; perPage?: number; storiesOnly?: boolean; kinds?: readonly string[] },
): Promise<PublicPostPage> {
  const pb = await getPocketBase();
  const kinds = options.kinds ?? [];
  const params: Record<string, string> = { status: "published" };
  kinds.forEach((kind, i) => {
    params[`k${i}`] = kind;
  });
  const clauses = [
    "status = {:status}",
    // storiesOnly: without funders' decision records, which a bulk import would make flood a list (issue 11 §16).
    ...(options.storiesOnly ? ["published_by != 'funder'"] : []),
    ...(kinds.length > 0 ? [`(${kinds.map((_, i) => `kind = {:k${i}}`).join(" || ")})`] : []),
  ];
  const result = await pb.collection("posts").getList(options.page ?? 1, options.perPage ?? 20, {
    filter: pb.filter(clauses.join(" && "), params),
    sort: "-published_at",
    expand: PUBLIC_EXPAND,
  });
  return {
    items: result.items.map((record) => toPublicPost(locale, record)),
    page: result.page,
    totalItems: result.totalItems,
    totalPages: result.totalPages,
  };
}

/** One published post by slug, or null (unpublished posts do not exist publicly). */
export async function getPublishedPost(locale: Locale, slug: string): Promise<PublicPost | null> {
  return (await loadPublishedPost(locale, slug))?.post ?? null;
}

/** A published post's public projection with the record it came from, for server-side lookups that would load it again (never render the record). */
export async function loadPublishedPost(locale: Locale, slug: string): Promise<{ post: PublicPost; record: RecordModel } | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 160) return null;
  return projection(`post:${locale}:${slug}`, async () => {
    const pb = await getPocketBase();
    try {
      const record = await pb
        .collection("posts")
        .getFirstListItem(pb.filter("slug = {:slug} && status = {:status}", { slug, status: "published" }), { expand: PUBLIC_EXPAND });
      return { post: toPublicPost(locale, record), record };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  });
}

/** A published post's record, for serving its attachments; null unless published. */
export async function getPublishedRecord(slug: string): Promise<RecordModel | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 160) return null;
  const pb = await getPocketBase();
  return pb
    .collection("posts")
    .getFirstListItem(pb.filter("slug = {:slug} && status = 'published'", { slug }))
    .catch(() => null);
}

/** Internal reference of a published post (id, author), for permission checks on its page; never rendered as such. */
export async function getPublishedPostRef(slug: string): Promise<{ id: string; authorId: string | null; status: string } | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) || slug.length > 160) return null;
  const pb = await getPocketBase();
  try {
    const r = await pb.collection("posts").getFirstListItem(pb.filter("slug = {:slug} && status = 'published'", { slug }), { fields: "id,author,status" });
    return { id: r.id, authorId: r.author || null, status: r.status };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** A case study's answered governance and data facts: codes by field, the roles whose work changed, numbers (null when not given) and the author's words. */
export type PublicCaseFacts = {
  codes: Partial<Record<CaseFact, string>>;
  changedRoles: string[];
  trainingHours: number | null;
  staffView: string | null;
  processChange: string | null;
  costYearlyEur: number | null;
  savingsEur: number | null;
  savingsMethod: string | null;
  paybackMonths: number | null;
};

// Stored 0 and "" mean "not given" (migration 1765000330); a code outside its list (an older
// record, a list changed since) is left out rather than shown raw.
// An anonymous case study's amounts are shown to two significant figures: an exact cost can be
// matched to a published tender or budget line and name the organisation (issue 17 §3).
function publicCaseFacts(record: RecordModel): PublicCaseFacts {
  const positive = (v: unknown) => (typeof v === "number" && v > 0 ? v : null);
  const amount = (v: unknown) => {
    const n = positive(v);
    return n !== null && record.anonymous ? roughly(n) : n;
  };
  const words = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v : null);
  const codes: Partial<Record<CaseFact, string>> = {};
  for (const field of CASE_FACT_FIELDS) {
    const value = record[field];
    if (typeof value === "string" && (CASE_FACTS[field] as readonly string[]).includes(value)) codes[field] = value;
  }
  const roles: readonly string[] = CASE_FACT_LISTS.changed_roles;
  return {
    codes,
    changedRoles: Array.isArray(record.changed_roles)
      ? record.changed_roles.filter((r: unknown): r is string => typeof r === "string" && roles.includes(r))
      : [],
    trainingHours: positive(record.training_hours),
    staffView: words(record.staff_view),
    processChange: words(record.process_change),
    costYearlyEur: amount(record.cost_yearly_eur),
    savingsEur: amount(record.savings_eur),
    savingsMethod: words(record.savings_method),
    paybackMonths: positive(record.payback_months),
  };
}

/** An amount to two significant figures (123,456 → 120,000; 9,450 → 9,500). */
export function roughly(amount: number): number {
  if (amount <= 0) return amount;
  const step = 10 ** Math.max(0, Math.floor(Math.log10(amount)) - 1);
  return Math.round(amount / step) * step;
}

/** The public projection of a post record. Anonymous posts carry no organisation or author. */
export function toPublicPost(locale: Locale, record: RecordModel): PublicPost {
  const org = record.expand?.organization as OrganizationRecord | undefined;
  const funder = record.expand?.funder as OrganizationRecord | undefined;
  const call = record.expand?.call as { slug: string; title: string } | undefined;
  const anonymous = Boolean(record.anonymous);
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
  const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
  const num = (value: unknown): number | null => (typeof value === "number" ? value : null);
  return {
    slug: record.slug,
    kind: record.kind,
    title: record.title,
    // A discussion has no summary of its own: lists show the start of its question.
    summary: record.summary || (record.kind === "discussion" ? renderedHtmlToPlainText(String(record.body_html ?? ""), 240) : ""),
    bodyHtml: record.body_html ?? "",
    language: record.language,
    tags: list(record.tags),
    attachments: list(record.attachments).map((name) => (name.split(".").pop() ?? "").toLowerCase()),
    publishedAt: text(record.published_at),
    anonymous,
    organization: anonymous || !org ? null : { slug: org.slug, name: org.name, kind: org.kind, verified: Boolean(org.verified) },
    // The stored descriptor is the one chosen from the crowd of verified organisations (anonymity.ts).
    byline: anonymous || !org ? renderDescriptor(locale, record.public_descriptor) : org.name,
    outcome: text(record.outcome),
    careSettings: list(record.care_settings),
    aiTypes: list(record.ai_types),
    lifecycleStage: text(record.lifecycle_stage),
    startedOn: text(record.started_on),
    endedOn: text(record.ended_on),
    dpoInvolved: record.kind === "case_study" ? Boolean(record.dpo_involved) : null,
    dataSources: text(record.data_sources),
    costEur: record.kind === "case_study" ? (anonymous && num(record.cost_eur) ? roughly(num(record.cost_eur)!) : num(record.cost_eur)) : null,
    // A funding application carries the facts of its plan (FUNDING_FACT_FIELDS); a funder's own record has none.
    caseFacts: record.kind === "case_study" || record.kind === "funding_application" ? publicCaseFacts(record) : null,
    lessonsHtml: text(record.lessons_html),
    discussion:
      record.kind === "discussion"
        ? { about: aboutOf(record), answered: Boolean(record.accepted_reply), pinned: Boolean(record.pinned), locked: Boolean(record.locked) }
        : null,
    funding:
      record.kind === "funding_application"
        ? {
            funderName: funder?.name ?? text(record.funder_name),
            funderSlug: funder?.slug ?? null,
            call: call ? { slug: call.slug, title: call.title } : null,
            amountRequested: num(record.amount_requested),
            amountAwarded: num(record.amount_awarded),
            currency: text(record.currency) ?? "EUR",
            submittedOn: text(record.submitted_on),
            decidedOn: text(record.decided_on),
            decision: text(record.decision),
            rejectionReasons: list(record.rejection_reasons),
            funderFeedbackHtml: text(record.funder_feedback_html),
            reflectionHtml: text(record.reflection_html),
            publishedBy: record.published_by === "funder" ? "funder" : "applicant",
            applicant: publicApplicant(locale, record, org, anonymous),
            reasonText: text(record.rejection_note),
            // Never a link between two records when either one hides someone (issue 9 §1): the
            // named side would unmask the other. Checked here too, whatever is stored.
            counterpartSlug:
              record.expand?.counterpart?.status === "published" && !hidesSomeone(record) && !hidesSomeone(record.expand.counterpart)
                ? record.expand.counterpart.slug
                : null,
          }
        : null,
  };
}

/**
 * The published case studies and funding records a discussion is about (expand `about`): title
 * and address only. Those it may not be linked to in public (aboutLinkShown) are left out unless
 * `all` (its author's preview: showing the author the difference would tell them which
 * pseudonymous posts are their own organisation's).
 */
export function aboutOf(record: RecordModel, all = false): { slug: string; title: string; kind: string }[] {
  return aboutRecords(record)
    .filter((a) => all || aboutLinkShown(record, a))
    .map((a) => ({ slug: String(a.slug), title: String(a.title), kind: String(a.kind) }));
}

/** What a discussion is about but may not be linked to in public (aboutLinkShown), for its reviewers. */
export function aboutKeptPrivate(record: RecordModel): { id: string; title: string }[] {
  return aboutRecords(record)
    .filter((a) => !aboutLinkShown(record, a))
    .map((a) => ({ id: String(a.id), title: String(a.title) }));
}

function aboutRecords(record: RecordModel): RecordModel[] {
  const about = record.expand?.about;
  const items = (Array.isArray(about) ? about : about ? [about] : []) as RecordModel[];
  return items.filter((a) => a.status === "published" && (a.kind === "case_study" || a.kind === "funding_application"));
}

/**
 * Whether the public may see that a discussion is about a record. Never when the discussion's
 * organisation is one the record keeps from the public (a named discussion would name it), nor
 * when the discussion hides its organisation and the record is that organisation's, as
 * publisher or applicant (DESIGN.md §5 invariant 6). A funder's named discussion of its own
 * record that anonymises the applicant is shown: the funder is named on the record already.
 * Decided on every public read, so a record that turns pseudonymous after a discussion linked it
 * is unlinked too.
 */
export function aboutLinkShown(discussion: Record<string, unknown>, about: Record<string, unknown>): boolean {
  const org = discussion.organization;
  if (!org) return true;
  if (hiddenOrganizations(about).includes(String(org))) return false;
  return !(discussion.anonymous && (about.organization === org || about.applicant_organization === org));
}

/** The fields of a post that hidesSomeone, hiddenOrganizations and aboutLinkShown read, for a query's `fields`. */
export const HIDING_FIELDS = "organization,applicant_organization,anonymous,published_by,applicant_anonymous,consent,applicant_name";

/** The organisations a record keeps from the public: its publisher when pseudonymous, a funder's hidden applicant. */
export function hiddenOrganizations(record: Record<string, unknown>): string[] {
  const hidden: string[] = [];
  if (record.anonymous && typeof record.organization === "string") hidden.push(record.organization);
  if (applicantHidden(record) && typeof record.applicant_organization === "string" && record.applicant_organization) hidden.push(record.applicant_organization);
  return hidden;
}

/**
 * Who applied, as the public may see it: a funder's record names the applicant only
 * with consent (or when awarded); an applicant's own account is its publisher.
 */
function publicApplicant(
  locale: Locale,
  record: RecordModel,
  org: OrganizationRecord | undefined,
  anonymous: boolean,
): { name: string | null; slug: string | null; descriptor: string } {
  if (record.published_by !== "funder") {
    if (anonymous || !org) return { name: null, slug: null, descriptor: renderDescriptor(locale, record.public_descriptor) };
    return { name: org.name, slug: org.slug, descriptor: describeOrganization(locale, { kind: org.kind, region: org.region }) };
  }
  const applicantOrg = record.expand?.applicant_organization as OrganizationRecord | undefined;
  // An anonymised applicant gets the crowd-checked descriptor; a named one may be described finely.
  if (hidesSomeone(record)) return { name: null, slug: null, descriptor: renderDescriptor(locale, record.public_descriptor) };
  const kind = applicantOrg?.kind ?? (typeof record.applicant_kind === "string" && record.applicant_kind ? record.applicant_kind : "other");
  const region = applicantOrg?.region ?? (record.applicant_region || null);
  const descriptor = describeOrganization(locale, { kind, region });
  if (applicantOrg) return { name: applicantOrg.name, slug: applicantOrg.slug, descriptor };
  return { name: typeof record.applicant_name === "string" && record.applicant_name ? record.applicant_name : null, slug: null, descriptor };
}

/** True when a post record keeps someone unnamed: an anonymous post, or a funder's record whose applicant is anonymised or has not consented. */
export function hidesSomeone(record: Record<string, unknown>): boolean {
  return Boolean(record.anonymous) || applicantHidden(record);
}

// A funder's record keeps its applicant from the public while anonymised or not (yet) consenting.
function applicantHidden(record: Record<string, unknown>): boolean {
  if (record.published_by !== "funder") return false;
  if (record.applicant_anonymous || record.consent === "requested" || record.consent === "refused") return true;
  // Neither an organisation nor a name: the applicant is known only by its descriptor.
  return !record.applicant_organization && !record.applicant_name;
}

/**
 * The names a post record keeps from its readers, which its text may therefore not contain: its
 * organisation's when it is pseudonymous, and in a funder's record the applicant's while the
 * applicant is anonymised or has not consented (it may yet be). `names` are the record's
 * organisation's and applicant organisation's, as loaded by the caller.
 */
export function namesToHide(record: Record<string, unknown>, names: { organization?: string | null; applicant?: string | null }): string[] {
  const hidden: (string | null | undefined)[] = [];
  if (record.anonymous) hidden.push(names.organization);
  if (record.published_by === "funder" && (record.applicant_anonymous || record.consent === "requested" || record.consent === "refused"))
    hidden.push(names.applicant, typeof record.applicant_name === "string" ? record.applicant_name : null);
  return hidden.filter((n): n is string => typeof n === "string" && n.trim() !== "");
}

/** A post as the public may see it. */
export type PublicPost = {
  slug: string;
  kind: string;
  title: string;
  summary: string;
  bodyHtml: string;
  language: string;
  tags: string[];
  /** File extensions of the attachments, in order (their stored names are never public). */
  attachments: string[];
  publishedAt: string | null;
  anonymous: boolean;
  organization: { slug: string; name: string; kind: string; verified: boolean } | null;
  /** The organisation's name, or its pseudonymous descriptor. */
  byline: string;
  outcome: string | null;
  careSettings: string[];
  aiTypes: string[];
  lifecycleStage: string | null;
  startedOn: string | null;
  endedOn: string | null;
  dpoInvolved: boolean | null;
  dataSources: string | null;
  costEur: number | null;
  /** The governance and data facts of a case study or a funding application (issue 17 §1); null for other kinds. */
  caseFacts: PublicCaseFacts | null;
  lessonsHtml: string | null;
  /** A discussion's public facts (issue 14): what it is about, whether an answer was accepted, pinned, locked. */
  discussion: { about: { slug: string; title: string; kind: string }[]; answered: boolean; pinned: boolean; locked: boolean } | null;
  funding: {
    funderName: string | null;
    funderSlug: string | null;
    call: { slug: string; title: string } | null;
    amountRequested: number | null;
    amountAwarded: number | null;
    currency: string;
    submittedOn: string | null;
    decidedOn: string | null;
    decision: string | null;
    rejectionReasons: string[];
    funderFeedbackHtml: string | null;
    reflectionHtml: string | null;
    publishedBy: "funder" | "applicant";
    applicant: { name: string | null; slug: string | null; descriptor: string };
    reasonText: string | null;
    counterpartSlug: string | null;
  } | null;
};

/** One page of public posts. */
export type PublicPostPage = { items: PublicPost[]; page: number; totalItems: number; totalPages: number };
