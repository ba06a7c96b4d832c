// Search documents: the public projection of a post (or a funding call) as the search
// engines index it. The one place a PocketBase record becomes a SearchDocument, so the index
// can never hold more than the public pages show (DESIGN.md §5 invariant 1): only published
// posts and non-draft calls, no author, and for anonymous posts no organisation name or
// slug — only the pseudonymous descriptor.
import type { RecordModel } from "pocketbase";
import { CASE_FACT_FIELDS, CASE_FACT_LISTS, CASE_FACTS, type CaseFact, FUNDING_FACT_FIELDS, LANGUAGES, POST_KINDS } from "../../codelists.ts";
import { markdownToPlainText, renderedHtmlToPlainText } from "../markdown.ts";
import { descriptorNamesKind, renderDescriptor } from "../anonymity.ts";
import { getPocketBase } from "../pocketbase.ts";
import { publishedReplyText } from "../discussions/replytext.ts";
import { namedParticipantsTexts } from "../roundtables/summaries.ts";
import { fingerprintOf } from "./embedded.ts";
import type { SearchDocument } from "./engine.ts";

const EXPAND = "organization,funder,call";

// Fetch only what a document is built from: never the author, attachments, privacy
// findings, moderation notes or the applicant's name.
const POST_FIELDS = [
  "id",
  "kind",
  "slug",
  "title",
  "summary",
  "body_md",
  "lessons_md",
  "funder_feedback_md",
  "reflection_md",
  "body_html",
  "lessons_html",
  "funder_feedback_html",
  "reflection_html",
  "language",
  "tags",
  "anonymous",
  "public_descriptor",
  "status",
  "published_at",
  "created",
  "outcome",
  "care_settings",
  "ai_types",
  "lifecycle_stage",
  "funder_name",
  "decision",
  "decided_on",
  "rejection_reasons",
  "amount_requested",
  // A round table's summary: its consenting participants' names are indexed with it (summaries.ts).
  "round_table",
  // A case study's governance and data facts (issue 17), the controlled ones only: facets.
  ...CASE_FACT_FIELDS,
  ...Object.keys(CASE_FACT_LISTS),
];
const EXPAND_FIELDS = [
  "expand.organization.name",
  "expand.organization.slug",
  "expand.organization.kind",
  "expand.organization.region",
  "expand.funder.name",
  "expand.call.title",
];
/** The PocketBase `fields` list that {@link buildSearchDocument} needs (with `expand` of organization, funder, call). */
export const SEARCH_DOCUMENT_FIELDS = [...POST_FIELDS, ...EXPAND_FIELDS].join(",");

const CALL_EXPAND = "funder";
/** The PocketBase `fields` list that {@link buildCallSearchDocument} needs (with `expand` of funder). */
export const CALL_DOCUMENT_FIELDS = [
  "id",
  "slug",
  "title",
  "programme",
  "description",
  "eligibility",
  "description_language",
  "status",
  "opens_on",
  "created",
  "expand.funder.name",
  "expand.funder.slug",
  "expand.funder.kind",
].join(",");

/** The collections whose records are indexed, as outbox rows name them. */
export const INDEXED_COLLECTIONS = ["posts", "funding_calls"] as const;
/** A collection whose records are indexed. */
export type IndexedCollection = (typeof INDEXED_COLLECTIONS)[number];

/**
 * The search document of a post record (organization, funder and call expanded), or null unless it is published.
 * `extraText`: public text indexed with the post so that its words find it — the seam for a
 * discussion's published replies (issue 14 §5: "a reply's words find the thread"); the caller
 * passes only text that is itself public (published replies, never an anonymous reply's organisation).
 */
export function buildSearchDocument(record: RecordModel, extraText = ""): SearchDocument | null {
  if (record.status !== "published") return null;
  const kind = record.kind as SearchDocument["kind"];
  const language = record.language as SearchDocument["language"];
  // A record PocketBase would not accept is not indexed rather than indexed wrongly.
  if (!(POST_KINDS as readonly string[]).includes(kind) || !(LANGUAGES as readonly string[]).includes(language)) return null;
  const org = record.expand?.organization as { name?: string; slug?: string; kind?: string; region?: string } | undefined;
  const funder = record.expand?.funder as { name?: string } | undefined;
  const call = record.expand?.call as { title?: string } | undefined;
  const anonymous = Boolean(record.anonymous);
  const publishedAt = publishedAtOf(record);
  const published = new Date(publishedAt);
  // From the HTML stored at save time (rendered within the Markdown budget, in a worker):
  // marked can take seconds on some Markdown, and indexing runs on the server's thread.
  const plain = (field: "body" | "lessons" | "funder_feedback" | "reflection") =>
    typeof record[`${field}_html`] === "string" && record[`${field}_html`] !== ""
      ? renderedHtmlToPlainText(record[`${field}_html`])
      : plainText(record[`${field}_md`]);
  // The funder's feedback and the applicant's reflection are the lessons of a funding application.
  const lessons = [plain("lessons"), plain("reflection"), plain("funder_feedback")].filter(Boolean).join(" ");
  return {
    id: record.id,
    kind,
    slug: String(record.slug),
    url: `/posts/${record.slug}`,
    title: String(record.title ?? ""),
    // A discussion has no summary field: its question's start stands for one, as on its list (posts.ts).
    summary: text(record.summary) ?? (kind === "discussion" ? renderedHtmlToPlainText(String(record.body_html ?? ""), 240) : ""),
    body: [plain("body"), typeof extraText === "string" ? extraText.trim() : ""].filter(Boolean).join(" "),
    lessons,
    tags: list(record.tags),
    language,
    outcome: text(record.outcome),
    care_settings: list(record.care_settings),
    ai_types: list(record.ai_types),
    lifecycle_stage: text(record.lifecycle_stage),
    // An anonymous post's kind is public only when its descriptor names it: a coarsened
    // descriptor ("a care provider in Flanders") plus a kind facet would narrow it again.
    org_kind: anonymous && !descriptorNamesKind(record.public_descriptor, org?.kind) ? null : text(org?.kind),
    organization_name: anonymous ? null : text(org?.name),
    organization_slug: anonymous ? null : text(org?.slug),
    public_descriptor: anonymous ? renderDescriptor("en", record.public_descriptor) : null,
    descriptor_code: anonymous ? (text(record.public_descriptor) ?? "organisation") : null,
    funder_name: text(funder?.name) ?? text(record.funder_name),
    call_title: text(call?.title),
    decision: text(record.decision),
    rejection_reasons: list(record.rejection_reasons),
    amount_requested: typeof record.amount_requested === "number" && record.kind === "funding_application" ? record.amount_requested : null,
    decided_on:
      record.kind === "funding_application" && typeof record.decided_on === "string" && /^\d{4}-\d{2}-\d{2}/.test(record.decided_on)
        ? record.decided_on.slice(0, 10)
        : null,
    year: published.getUTCFullYear(),
    published_at: published.toISOString(),
    published_ts: published.getTime(),
    // Facts never name an organisation by themselves: an anonymous case study keeps them all.
    ...(kind === "case_study"
      ? factsOf(record, CASE_FACT_FIELDS, true)
      : kind === "funding_application"
        ? factsOf(record, FUNDING_FACT_FIELDS, false)
        : noFacts()),
  };
}

type FactFields = Pick<SearchDocument, (typeof CASE_FACT_FIELDS)[number] | keyof typeof CASE_FACT_LISTS>;

// The fact fields of a document that has none (discussions, summaries, calls); a fresh object
// each time, so no two documents share one array.
function noFacts(): FactFields {
  return { ...(Object.fromEntries(CASE_FACT_FIELDS.map((field) => [field, null])) as Record<(typeof CASE_FACT_FIELDS)[number], null>), changed_roles: [] };
}

// "" is "not answered", which is no facet value; a code outside its list (a record written
// before a list shrank) is dropped rather than offered as a value nobody can choose. A funding
// application has only the facts of a plan (FUNDING_FACT_FIELDS), and no changed roles.
function factsOf(record: RecordModel, fields: readonly CaseFact[], roles: boolean): FactFields {
  const facts = noFacts();
  for (const field of fields) {
    const value = record[field];
    facts[field] = typeof value === "string" && (CASE_FACTS[field] as readonly string[]).includes(value) ? value : null;
  }
  const known: readonly string[] = CASE_FACT_LISTS.changed_roles;
  if (roles) facts.changed_roles = [...new Set(list(record.changed_roles).filter((role) => known.includes(role)))];
  return facts;
}

// Calls are public once they leave draft (funding.ts getPublicCall). Filed under the language
// their funder says the description is in; when it did not say, the text's own function words
// decide, English when unsure.
/** The search document of a funding call record (funder expanded), or null while it is a draft. */
export function buildCallSearchDocument(record: RecordModel): SearchDocument | null {
  if (!record.status || record.status === "draft") return null;
  const funder = record.expand?.funder as { name?: string; slug?: string; kind?: string } | undefined;
  const description = plainText(record.description);
  const eligibility = plainText(record.eligibility);
  const published = new Date(dateOf(record.opens_on) ?? dateOf(record.created) ?? new Date(0).toISOString());
  const title = String(record.title ?? "");
  return {
    id: record.id,
    kind: "funding_call",
    slug: String(record.slug),
    url: `/calls/${record.slug}`,
    title,
    summary: [text(record.programme), description.length > 300 ? `${description.slice(0, 300).replace(/\s+\S*$/, "")}…` : description]
      .filter(Boolean)
      .join(" — "),
    body: [description, eligibility].filter(Boolean).join(" "),
    lessons: "",
    tags: [],
    language: (LANGUAGES as readonly unknown[]).includes(record.description_language)
      ? (record.description_language as SearchDocument["language"])
      : guessLanguage(`${title} ${description} ${eligibility}`),
    outcome: null,
    care_settings: [],
    ai_types: [],
    lifecycle_stage: null,
    org_kind: text(funder?.kind),
    organization_name: text(funder?.name),
    organization_slug: text(funder?.slug),
    public_descriptor: null,
    descriptor_code: null,
    funder_name: text(funder?.name),
    call_title: title,
    decision: null,
    rejection_reasons: [],
    amount_requested: null,
    decided_on: null,
    year: published.getUTCFullYear(),
    published_at: published.toISOString(),
    published_ts: published.getTime(),
    ...noFacts(),
  };
}

// The public text indexed with a post besides its own: its replies, a summary's named participants.
function joinText(...parts: (string | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

/** The search document of one post by id: null when it does not exist or is not published. */
export async function loadSearchDocument(id: string): Promise<SearchDocument | null> {
  return (await loadSearchDocuments([id])).get(id) ?? null;
}

/** Search documents of several records of one collection by id, in one request; ids without a public record are absent. */
export async function loadSearchDocuments(ids: readonly string[], collection: IndexedCollection = "posts"): Promise<Map<string, SearchDocument>> {
  const found = new Map<string, SearchDocument>();
  const wanted = [...new Set(ids)].filter((id) => /^[a-z0-9]{1,64}$/i.test(id));
  if (wanted.length === 0) return found;
  const pb = await getPocketBase();
  // One `id = {:iN}` term per id, still bound through pb.filter (DESIGN.md §5 invariant 4).
  const params = Object.fromEntries(wanted.map((id, i) => [`i${i}`, id]));
  const filter = pb.filter(wanted.map((_, i) => `id = {:i${i}}`).join(" || "), params);
  const posts = collection === "posts";
  const records = await pb.collection(collection).getFullList({
    filter,
    expand: posts ? EXPAND : CALL_EXPAND,
    fields: posts ? SEARCH_DOCUMENT_FIELDS : CALL_DOCUMENT_FIELDS,
    batch: 500,
  });
  // Issue 14 §5: a discussion's (or summary's) published replies are indexed with it.
  const replyText = posts ? await publishedReplyText(records) : new Map<string, string>();
  const named = posts ? await namedParticipantsTexts(records) : new Map<string, string>();
  for (const record of records) {
    const doc = posts ? buildSearchDocument(record, joinText(replyText.get(record.id), named.get(record.id))) : buildCallSearchDocument(record);
    if (doc) found.set(doc.id, doc);
  }
  return found;
}

// Keyset paging on the primary key alone, with the status checked here: PocketBase (SQLite)
// answers `status = … && id > …` through the status index and a sort of whole rows, which
// measured 4–8× slower than `id > …` on 2,000 posts and grows with the table.
/** Every published post's and public call's search document, in pages of `batchSize` (for reindexing). */
export async function* loadAllSearchDocuments(batchSize = 500): AsyncGenerator<SearchDocument[]> {
  const pb = await getPocketBase();
  const fetchPage = (after: string) =>
    pb.collection("posts").getList(1, batchSize, {
      filter: pb.filter("id > {:after}", { after }),
      sort: "id",
      expand: EXPAND,
      fields: SEARCH_DOCUMENT_FIELDS,
      skipTotal: true,
    });
  let page = await fetchPage("");
  for (;;) {
    const last = page.items[page.items.length - 1];
    // Fetch the next page while this one is converted: PocketBase and Markdown rendering
    // then run side by side.
    const next = page.items.length === batchSize && last ? fetchPage(last.id) : null;
    next?.catch(() => undefined);
    const docs: SearchDocument[] = [];
    const replyText = await publishedReplyText(page.items);
    const named = await namedParticipantsTexts(page.items);
    for (let i = 0; i < page.items.length; i++) {
      const doc = buildSearchDocument(page.items[i]!, joinText(replyText.get(page.items[i]!.id), named.get(page.items[i]!.id)));
      if (doc) docs.push(doc);
      // Markdown to text costs ~1–3 ms a post: yield now and then so a rebuild inside the
      // server never holds the event loop for long.
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    if (docs.length > 0) yield docs;
    if (!next) break;
    page = await next;
  }
  // Calls are few (a funder publishes a handful a year): one list, no paging tricks.
  const calls = await pb.collection("funding_calls").getFullList({ expand: CALL_EXPAND, fields: CALL_DOCUMENT_FIELDS, sort: "id", batch: 500 });
  const callDocs = calls.map(buildCallSearchDocument).filter((doc): doc is SearchDocument => doc !== null);
  for (let i = 0; i < callDocs.length; i += batchSize) yield callDocs.slice(i, i + batchSize);
}

/** How many documents a full reindex will index: published posts plus public calls. */
export async function countSearchableDocuments(): Promise<number> {
  const pb = await getPocketBase();
  const [posts, calls] = await Promise.all([
    pb.collection("posts").getList(1, 1, { filter: pb.filter("status = {:status}", { status: "published" }), fields: "id" }),
    pb.collection("funding_calls").getList(1, 1, { filter: pb.filter("status != {:draft}", { draft: "draft" }), fields: "id" }),
  ]);
  return posts.totalItems + calls.totalItems;
}

// Only ids, status and dates are fetched, so this costs a fraction of a reindex (one small
// page per thousand posts); it must equal fingerprintOf() of the documents built from the
// same posts. Same keyset paging as loadAllSearchDocuments, for the same reason.
/** The fingerprint of PocketBase's public set (posts and calls), comparable with the embedded engine's fingerprint(). */
export async function loadPublishedFingerprint(): Promise<string> {
  const pb = await getPocketBase();
  const pairs: { id: string; published_at: string }[] = [];
  let after = "";
  for (;;) {
    // The published posts' ids and dates only, through a view with a covering index (migration
    // 1765000370): reading the posts collection loads every row whole.
    const page = await pb.collection("search_published").getList(1, 1000, {
      filter: pb.filter("id > {:after}", { after }),
      sort: "id",
      skipTotal: true,
    });
    for (const record of page.items) {
      // Same exclusions as buildSearchDocument, so both sides count the same posts.
      if (!(POST_KINDS as readonly string[]).includes(record.kind) || !(LANGUAGES as readonly string[]).includes(record.language)) continue;
      pairs.push({ id: record.id, published_at: new Date(publishedAtOf(record)).toISOString() });
    }
    if (page.items.length < 1000) break;
    after = page.items[page.items.length - 1]!.id;
  }
  const calls = await pb.collection("funding_calls").getFullList({ fields: "id,status,opens_on,created", batch: 1000 });
  for (const call of calls) {
    const doc = buildCallSearchDocument(call);
    if (doc) pairs.push({ id: doc.id, published_at: doc.published_at });
  }
  return fingerprintOf(pairs);
}

// A published post should always have published_at; one that lacks it (imported by hand)
// falls back to its creation time rather than being unsortable.
function publishedAtOf(record: RecordModel): string {
  const value = text(record.published_at) ?? text(record.created) ?? "1970-01-01 00:00:00Z";
  const date = new Date(value.replace(" ", "T"));
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

function plainText(markdown: unknown): string {
  return typeof markdown === "string" && markdown.trim() !== "" ? markdownToPlainText(markdown) : "";
}

function dateOf(value: unknown): string | null {
  const raw = text(value);
  if (!raw) return null;
  const date = new Date(raw.replace(" ", "T"));
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

// Counts a few of each language's commonest function words ("de" and "en" are shared by
// French and Dutch, so they are left out); good enough to file a call under a language.
const MARKERS: Record<SearchDocument["language"], Set<string>> = {
  en: new Set(["the", "and", "of", "for", "with", "to", "is", "are", "be"]),
  fr: new Set(["le", "la", "les", "des", "du", "et", "pour", "avec", "est", "une", "sur"]),
  nl: new Set(["het", "een", "van", "voor", "met", "zijn", "op", "aan", "bij", "wordt"]),
};
function guessLanguage(textToClassify: string): SearchDocument["language"] {
  const counts = { en: 0, fr: 0, nl: 0 };
  for (const word of textToClassify.toLowerCase().match(/\p{L}+/gu) ?? []) {
    for (const lang of LANGUAGES) if (MARKERS[lang].has(word)) counts[lang]++;
  }
  return counts.fr > counts.en && counts.fr >= counts.nl ? "fr" : counts.nl > counts.en && counts.nl > counts.fr ? "nl" : "en";
}

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v !== "") : [];
}
