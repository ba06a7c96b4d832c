// Search documents: the public projection of a post as the search engines index it. The
// one place a PocketBase post becomes a SearchDocument, so the index can never hold more
// than the public pages show (DESIGN.md §5 invariant 1): only published posts, no author,
// and for anonymous posts no organisation name or slug — only the pseudonymous descriptor.
import type { RecordModel } from "pocketbase";
import { LANGUAGES, POST_KINDS } from "../../codelists.ts";
import { markdownToPlainText } from "../markdown.ts";
import { describeOrganization } from "../orgs.ts";
import { getPocketBase } from "../pocketbase.ts";
import { fingerprintOf } from "./embedded.ts";
import type { SearchDocument } from "./engine.ts";

const EXPAND = "organization,funder,call";

// Fetch only what a document is built from: never the author, attachments, privacy
// findings, moderation notes or the applicant's name.
const POST_FIELDS = [
  "id", "kind", "slug", "title", "summary", "body_md", "lessons_md", "funder_feedback_md", "reflection_md",
  "language", "tags", "anonymous", "status", "published_at", "created", "outcome", "care_settings", "ai_types",
  "lifecycle_stage", "funder_name", "decision", "rejection_reasons", "amount_requested",
];
const EXPAND_FIELDS = [
  "expand.organization.name", "expand.organization.slug", "expand.organization.kind", "expand.organization.region",
  "expand.funder.name", "expand.call.title",
];
/** The PocketBase `fields` list that {@link buildSearchDocument} needs (with `expand` of organization, funder, call). */
export const SEARCH_DOCUMENT_FIELDS = [...POST_FIELDS, ...EXPAND_FIELDS].join(",");

/** The search document of a post record (organization, funder and call expanded), or null unless it is published. */
export function buildSearchDocument(record: RecordModel): SearchDocument | null {
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
  const plain = (md: unknown) => (typeof md === "string" && md.trim() !== "" ? markdownToPlainText(md) : "");
  // The funder's feedback and the applicant's reflection are the lessons of a funding application.
  const lessons = [plain(record.lessons_md), plain(record.reflection_md), plain(record.funder_feedback_md)].filter(Boolean).join(" ");
  return {
    id: record.id,
    kind,
    slug: String(record.slug),
    url: `/posts/${record.slug}`,
    title: String(record.title ?? ""),
    summary: text(record.summary) ?? "",
    body: plain(record.body_md),
    lessons,
    tags: list(record.tags),
    language,
    outcome: text(record.outcome),
    care_settings: list(record.care_settings),
    ai_types: list(record.ai_types),
    lifecycle_stage: text(record.lifecycle_stage),
    org_kind: text(org?.kind),
    organization_name: anonymous ? null : text(org?.name),
    organization_slug: anonymous ? null : text(org?.slug),
    public_descriptor: anonymous ? describeOrganization("en", org ? { kind: org.kind ?? "other", region: org.region || null } : null) : null,
    funder_name: text(funder?.name) ?? text(record.funder_name),
    call_title: text(call?.title),
    decision: text(record.decision),
    rejection_reasons: list(record.rejection_reasons),
    amount_requested: typeof record.amount_requested === "number" && record.kind === "funding_application" ? record.amount_requested : null,
    year: published.getUTCFullYear(),
    published_at: published.toISOString(),
    published_ts: published.getTime(),
  };
}

/** The search document of one post by id: null when it does not exist or is not published. */
export async function loadSearchDocument(id: string): Promise<SearchDocument | null> {
  return (await loadSearchDocuments([id])).get(id) ?? null;
}

/** Search documents of several posts by id, in one request; ids without a published post are absent. */
export async function loadSearchDocuments(ids: readonly string[]): Promise<Map<string, SearchDocument>> {
  const found = new Map<string, SearchDocument>();
  const wanted = [...new Set(ids)].filter((id) => /^[a-z0-9]{1,64}$/i.test(id));
  if (wanted.length === 0) return found;
  const pb = await getPocketBase();
  // One `id = {:iN}` term per id, still bound through pb.filter (DESIGN.md §5 invariant 4).
  const params = Object.fromEntries(wanted.map((id, i) => [`i${i}`, id]));
  const filter = pb.filter(wanted.map((_, i) => `id = {:i${i}}`).join(" || "), params);
  const records = await pb.collection("posts").getFullList({ filter, expand: EXPAND, fields: SEARCH_DOCUMENT_FIELDS, batch: 500 });
  for (const record of records) {
    const doc = buildSearchDocument(record);
    if (doc) found.set(doc.id, doc);
  }
  return found;
}

// Keyset paging on the primary key alone, with the status checked here: PocketBase (SQLite)
// answers `status = … && id > …` through the status index and a sort of whole rows, which
// measured 4–8× slower than `id > …` on 2,000 posts and grows with the table.
/** Every published post's search document, in pages of `batchSize`, ordered by id (for reindexing). */
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
    for (let i = 0; i < page.items.length; i++) {
      const doc = buildSearchDocument(page.items[i]!);
      if (doc) docs.push(doc);
      // Markdown to text costs ~1–3 ms a post: yield now and then so a rebuild inside the
      // server never holds the event loop for long.
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    if (docs.length > 0) yield docs;
    if (!next) return;
    page = await next;
  }
}

/** How many posts are published (what a full reindex will index). */
export async function countPublishedPosts(): Promise<number> {
  const pb = await getPocketBase();
  const page = await pb.collection("posts").getList(1, 1, { filter: pb.filter("status = {:status}", { status: "published" }), fields: "id" });
  return page.totalItems;
}

// Only ids, status and dates are fetched, so this costs a fraction of a reindex (one small
// page per thousand posts); it must equal fingerprintOf() of the documents built from the
// same posts. Same keyset paging as loadAllSearchDocuments, for the same reason.
/** The fingerprint of PocketBase's published set, comparable with the embedded engine's fingerprint(). */
export async function loadPublishedFingerprint(): Promise<string> {
  const pb = await getPocketBase();
  const pairs: { id: string; published_at: string }[] = [];
  let after = "";
  for (;;) {
    const page = await pb.collection("posts").getList(1, 1000, {
      filter: pb.filter("id > {:after}", { after }),
      sort: "id",
      fields: "id,status,kind,language,published_at,created",
      skipTotal: true,
    });
    for (const record of page.items) {
      // Same exclusions as buildSearchDocument, so both sides count the same posts.
      if (record.status !== "published") continue;
      if (!(POST_KINDS as readonly string[]).includes(record.kind) || !(LANGUAGES as readonly string[]).includes(record.language)) continue;
      pairs.push({ id: record.id, published_at: new Date(publishedAtOf(record)).toISOString() });
    }
    if (page.items.length < 1000) break;
    after = page.items[page.items.length - 1]!.id;
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

function text(value: unknown): string | null {
  return typeof value === "string" && value.trim() !== "" ? value : null;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v !== "") : [];
}
