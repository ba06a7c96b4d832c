// Search fed by the outbox, against a real PocketBase: publishing makes a post findable,
// hiding removes it, anonymous posts never index their organisation, an engine outage
// loses nothing and keeps each record's order, and a reindex equals the incremental state.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getHealth } from "../../src/lib/server/health.ts";
import { buildSearchDocument, loadSearchDocument, SEARCH_DOCUMENT_FIELDS } from "../../src/lib/server/search/documents.ts";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import type { EmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import { makeQuery } from "../../src/lib/server/search/engine.ts";
import type { SearchDocument, SearchEngine, SearchQuery } from "../../src/lib/server/search/engine.ts";
import { getSearchEngine, rebuildSearchIndex, searchPosts, setSearchEngine, snapshotPathOf } from "../../src/lib/server/search/index.ts";
import { backoffDelay, drainOutbox, getOutboxBacklog } from "../../src/lib/server/search/outbox.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let inner: EmbeddedEngine;
let innerFile: string;
// Ids the injected engine refuses while set; "*" refuses every write.
const refusing = new Set<string>();
const tempDirs: string[] = [];
const created: string[] = [];

// The embedded engine with a switch that makes its writes throw, as an unreachable engine would.
function flaky(engine: EmbeddedEngine): SearchEngine {
  const check = (ids: string[]) => {
    if (refusing.has("*") || ids.some((id) => refusing.has(id))) throw new Error("search engine unreachable (injected)");
  };
  return {
    name: "embedded",
    ensureIndex: () => engine.ensureIndex(),
    search: (q) => engine.search(q),
    health: () => engine.health(),
    count: () => engine.count(),
    reindex: (batches) => engine.reindex(batches),
    async upsert(docs) {
      check(docs.map((d) => d.id));
      await engine.upsert(docs);
    },
    async remove(ids) {
      check(ids);
      await engine.remove(ids);
    },
  };
}

// A word no other post contains, so each test searches only its own posts.
function word(): string {
  const letters = "bcdfghjklmnpqrstvwxz";
  return `q${Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => letters[b % letters.length]).join("")}`;
}

function randomId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(15)), (b) => alphabet[b % alphabet.length]).join("");
}

type Fixture = { orgId: string; orgName: string; orgSlug: string; authorId: string; authorEmail: string };

async function fixture(overrides: Record<string, unknown> = {}): Promise<Fixture> {
  const author = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: author.id, role: "editor" }], overrides);
  const record = await pb.collection("organizations").getOne(org.id);
  return { orgId: org.id, orgName: String(record.name), orgSlug: org.slug, authorId: author.id, authorEmail: author.email };
}

// Like scripts/lib/seed.ts: the post, its moderation event and its outbox row in one batch.
async function publish(f: Fixture, fields: { title: string; body?: string; anonymous?: boolean; extra?: Record<string, unknown> }): Promise<string> {
  const id = randomId();
  const batch = pb.createBatch();
  batch.collection("posts").create({
    id,
    kind: "case_study",
    slug: `post-${id}`,
    title: fields.title,
    summary: `Summary of ${fields.title}`,
    body_md: fields.body ?? `## Context\n\nWhat we learned about ${fields.title}.`,
    lessons_md: "Talk to the nurses first.",
    language: "en",
    tags: ["test"],
    organization: f.orgId,
    author: f.authorId,
    anonymous: fields.anonymous ?? false,
    status: "published",
    published_at: new Date(),
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    ...fields.extra,
  });
  batch.collection("moderation_events").create({ post: id, action: "approve", to_status: "published", note: "integration test" });
  batch.collection("search_outbox").create({ record: id, collection_name: "posts", op: "upsert", attempts: 0 });
  await batch.send();
  created.push(id);
  return id;
}

// A status change with its outbox row, in one batch (as the moderation domain does).
async function changeStatus(id: string, status: string, op: "upsert" | "delete" = "upsert", extra: Record<string, unknown> = {}): Promise<void> {
  const batch = pb.createBatch();
  batch.collection("posts").update(id, { status, ...extra });
  batch.collection("moderation_events").create({ post: id, action: status === "published" ? "restore" : "hide", to_status: status });
  batch.collection("search_outbox").create({ record: id, collection_name: "posts", op, attempts: 0 });
  await batch.send();
}

async function outboxRows(record: string) {
  return pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:record}", { record }), sort: "created,@rowid" });
}

// Drains until nothing due is left (bounded).
async function drainAll(now?: Date): Promise<{ processed: number; failed: number }> {
  const total = { processed: 0, failed: 0 };
  for (let i = 0; i < 100; i++) {
    const r = await drainOutbox({ limit: 100, now });
    total.processed += r.processed;
    total.failed += r.failed;
    if (r.processed + r.failed === 0) break;
  }
  return total;
}

const search = (q: string, partial: Partial<SearchQuery> = {}) => searchPosts(makeQuery({ q, perPage: 50, ...partial }));
const later = (ms: number) => new Date(Date.now() + ms);

// The documents an embedded engine holds, read back from its snapshot.
async function documentsOf(engine: EmbeddedEngine, file: string): Promise<Map<string, SearchDocument>> {
  await engine.save();
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as { docs: SearchDocument[] };
  return new Map(snapshot.docs.map((d) => [d.id, d]));
}

function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-search-it-"));
  tempDirs.push(dir);
  return path.join(dir, name);
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  innerFile = tempFile("incremental.json");
  inner = createEmbeddedEngine({ snapshotPath: innerFile });
  setSearchEngine(flaky(inner));
  // Rows left by other test files are applied first, so each test starts from an empty queue.
  await drainAll(later(10 * 60_000));
});

beforeEach(() => {
  refusing.clear();
});

afterAll(() => {
  setSearchEngine(null);
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("search fed by the outbox", () => {
  it("a published post becomes searchable once the outbox is drained", async () => {
    const f = await fixture();
    const w = word();
    const id = await publish(f, { title: `Predicting ${w} on the wards` });
    expect((await search(w)).total).toBe(0);
    expect(await getOutboxBacklog()).toBeGreaterThanOrEqual(1);

    const drained = await drainAll();
    expect(drained.processed).toBeGreaterThanOrEqual(1);
    const result = await search(w);
    expect(result.hits.map((h) => h.id)).toEqual([id]);
    expect(result.hits[0]).toMatchObject({ url: `/posts/post-${id}`, organization_name: f.orgName, outcome: "failure", kind: "case_study" });
    expect(result.hits[0]!.snippet).toContain("<mark>");
    const rows = await outboxRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.processed_at).not.toBe("");
  });

  it.each(["upsert", "delete"] as const)("a hidden post disappears from search (outbox %s)", async (op) => {
    const f = await fixture();
    const w = word();
    const id = await publish(f, { title: `Hidden ${w} case` });
    await drainAll();
    expect((await search(w)).total).toBe(1);

    await changeStatus(id, "hidden", op);
    await drainAll();
    expect((await search(w)).total).toBe(0);
    expect(await loadSearchDocument(id)).toBeNull();

    // Restored: back in the index.
    await changeStatus(id, "published", "upsert");
    await drainAll();
    expect((await search(w)).hits.map((h) => h.id)).toEqual([id]);
  });

  it("an anonymous post is found by its content but never by its organisation, which it does not carry", async () => {
    const orgName = `${word()} ${word()}`;
    const f = await fixture({ name: orgName, kind: "hospital", region: "flanders" });
    const w = word();
    const id = await publish(f, { title: `Alert fatigue ${w}`, anonymous: true });
    await drainAll();

    // Its own name finds nothing at all; its slug ("org-…") may find other organisations' posts, never this one.
    expect((await search(orgName)).total).toBe(0);
    for (const q of [orgName.split(" ")[0]!, f.orgSlug])
      expect(
        (await search(q)).hits.map((h) => h.id),
        q,
      ).not.toContain(id);
    const hit = (await search(w)).hits[0]!;
    expect(hit.id).toBe(id);
    expect(hit.organization_name).toBeNull();
    // Written by hand without a crowd-checked descriptor: the coarsest one, and no kind facet (issue 9 §2).
    expect(hit.public_descriptor).toBe("an organisation");

    const doc = (await loadSearchDocument(id))!;
    expect(doc.organization_name).toBeNull();
    expect(doc.organization_slug).toBeNull();
    expect(doc.public_descriptor).toBe("an organisation");
    expect(doc.org_kind).toBeNull();
    const everything = JSON.stringify([doc, hit, await search(w)]);
    for (const secret of [orgName, f.orgSlug, f.orgId, f.authorId, f.authorEmail]) expect(everything).not.toContain(secret);
    expect(Object.keys(doc)).not.toContain("author");
  });

  it("builds documents from public fields only, and nothing for unpublished posts", async () => {
    const f = await fixture();
    const w = word();
    const id = await publish(f, {
      title: "Markdown *emphasis* title",
      body: `A **bold** ${w} claim with a [link](https://example.org) and <script>alert(1)</script> text.`,
    });
    const record = await pb.collection("posts").getOne(id, { expand: "organization,funder,call", fields: SEARCH_DOCUMENT_FIELDS });
    const doc = buildSearchDocument(record)!;
    expect(doc.body).toMatch(new RegExp(`^A bold ${w} claim with a link and .*text\\.$`));
    expect(doc.body).not.toContain("**");
    expect(doc.lessons).toBe("Talk to the nurses first.");
    expect(doc).toMatchObject({
      organization_name: f.orgName,
      organization_slug: f.orgSlug,
      public_descriptor: null,
      year: new Date().getUTCFullYear(),
      url: `/posts/post-${id}`,
    });
    expect(buildSearchDocument({ ...record, status: "in_review" })).toBeNull();
    expect(buildSearchDocument({ ...record, status: "draft" })).toBeNull();
    await drainAll();
    // Whatever the text holds, the snippet is escaped before matches are marked.
    const snippet = (await search(w)).hits[0]!.snippet;
    expect(snippet).toContain(`<mark>${w}</mark>`);
    expect(snippet).not.toContain("<script");
    expect(snippet.replace(/<\/?mark>/g, "")).not.toMatch(/<|>/);
  });

  it("a public funding call is searchable as such; a call back in draft is not", async () => {
    const funder = await createOrganization(pb, [], { kind: "funder", name: `Fund ${word()}` });
    const w = word();
    const id = randomId();
    const slug = `call-${id}`;
    const batch = pb.createBatch();
    batch.collection("funding_calls").create({
      id,
      funder: funder.id,
      slug,
      title: `Scaling ${w} in care homes`,
      programme: "Care Innovation",
      description: "Grants for pilots that relieve care staff, with an evaluation plan.",
      status: "open",
      opens_on: "2025-02-01 00:00:00Z",
    });
    batch.collection("search_outbox").create({ record: id, collection_name: "funding_calls", op: "upsert", attempts: 0 });
    await batch.send();
    created.push(id);
    await drainAll();
    const hit = (await search(w)).hits[0]!;
    expect(hit).toMatchObject({
      id,
      kind: "funding_call",
      url: `/calls/${slug}`,
      organization_name: funder.name,
      funder_name: funder.name,
      language: "en",
      year: 2025,
    });
    expect((await search(w, { filters: { kind: ["funding_call"] } })).total).toBe(1);
    expect((await search(w, { filters: { kind: ["case_study"] } })).total).toBe(0);

    const back = pb.createBatch();
    back.collection("funding_calls").update(id, { status: "draft" });
    back.collection("search_outbox").create({ record: id, collection_name: "funding_calls", op: "delete", attempts: 0 });
    await back.send();
    await drainAll();
    expect((await search(w)).total).toBe(0);

    // Published again (an upsert row), then the reindex test below must agree.
    const again = pb.createBatch();
    again.collection("funding_calls").update(id, { status: "closed" });
    again.collection("search_outbox").create({ record: id, collection_name: "funding_calls", op: "upsert", attempts: 0 });
    await again.send();
    await drainAll();
    expect((await search(w)).hits.map((h) => h.id)).toEqual([id]);
  });

  it("an engine outage loses nothing: writes succeed, rows wait with backoff, and recovery applies them in order", async () => {
    const f = await fixture();
    const w = word();
    refusing.add("*");
    const a = await publish(f, { title: `Outage ${w} alpha` });
    const b = await publish(f, { title: `Outage ${w} bravo` });
    const c = await publish(f, { title: `Outage ${w} charlie` });
    // Later changes to the same records: a retitled, b hidden.
    const batch = pb.createBatch();
    batch.collection("posts").update(a, { title: `Outage ${w} alpha retitled` });
    batch.collection("search_outbox").create({ record: a, collection_name: "posts", op: "upsert", attempts: 0 });
    await batch.send();
    await changeStatus(b, "hidden", "delete");
    const backlogBefore = await getOutboxBacklog();

    const during = await drainOutbox();
    expect(during.failed).toBeGreaterThanOrEqual(3);
    expect(await getOutboxBacklog()).toBe(backlogBefore);
    // The writes themselves are all in PocketBase.
    expect((await pb.collection("posts").getOne(a)).title).toBe(`Outage ${w} alpha retitled`);
    expect((await pb.collection("posts").getOne(b)).status).toBe("hidden");
    expect((await search(w)).total).toBe(0);

    for (const id of [a, b, c]) {
      const [first, ...rest] = await outboxRows(id);
      expect(first!.attempts).toBe(1);
      expect(first!.last_error).toContain("unreachable");
      expect(first!.processed_at).toBe("");
      const next = new Date(first!.next_attempt_at.replace(" ", "T")).getTime();
      expect(next).toBeGreaterThan(Date.now() - 5_000);
      expect(next).toBeLessThanOrEqual(Date.now() + backoffDelay(1) + 1_000);
      // The later rows keep their place behind the failed one, untouched.
      for (const row of rest) expect(row).toMatchObject({ attempts: 0, processed_at: "", next_attempt_at: "" });
    }

    // Still down, and the retry is due: attempts grow, the delay doubles.
    const retry = later(60_000);
    await drainOutbox({ now: retry });
    const [againA] = await outboxRows(a);
    expect(againA!.attempts).toBe(2);
    expect(new Date(againA!.next_attempt_at.replace(" ", "T")).getTime()).toBe(retry.getTime() + backoffDelay(2));

    // Recovery.
    refusing.clear();
    const recovered = await drainAll(later(10 * 60_000));
    expect(recovered.failed).toBe(0);
    expect(await getOutboxBacklog()).toBe(0);
    const result = await search(w);
    expect(result.hits.map((h) => h.id).sort()).toEqual([a, c].sort());
    expect(result.hits.find((h) => h.id === a)!.title).toBe(`Outage ${w} alpha retitled`);
    expect(new Set(result.hits.map((h) => h.id)).size).toBe(result.hits.length);
    for (const id of [a, b, c]) for (const row of await outboxRows(id)) expect(row.processed_at).not.toBe("");
  });

  it("a record's later row never overtakes its earlier failed row", async () => {
    const f = await fixture();
    const w = word();
    const x = await publish(f, { title: `Ordering ${w} x-ray` });
    const y = await publish(f, { title: `Ordering ${w} yankee` });
    refusing.add(x);
    const first = await drainOutbox();
    expect(first.failed).toBe(1);
    expect((await search(w)).hits.map((h) => h.id)).toEqual([y]);

    // The engine accepts x again, but x's failed row waits for its retry time; x is then
    // hidden. Applying the hide before the publish would be harmless here (both re-read
    // PocketBase), but the rule holds for every op: the later row must wait.
    refusing.clear();
    await changeStatus(x, "hidden", "delete");
    const blocked = await drainOutbox();
    expect(blocked).toEqual({ processed: 0, failed: 0 });
    const rows = await outboxRows(x);
    expect(rows.map((r) => r.processed_at)).toEqual(["", ""]);

    await drainAll(later(10 * 60_000));
    expect((await outboxRows(x)).every((r) => r.processed_at !== "")).toBe(true);
    expect((await search(w)).hits.map((h) => h.id)).toEqual([y]);
  });

  it("a full reindex from PocketBase equals the incremental state", async () => {
    await drainAll(later(10 * 60_000));
    const file = tempFile("rebuilt.json");
    const rebuilt = createEmbeddedEngine({ snapshotPath: file });
    await rebuildSearchIndex(rebuilt);
    const incremental = await documentsOf(inner, innerFile);
    const fromScratch = await documentsOf(rebuilt, file);
    // Other test files share this PocketBase; compare the posts this file wrote.
    const mine = (docs: Map<string, SearchDocument>) => created.filter((id) => docs.has(id)).sort();
    expect(mine(incremental)).toEqual(mine(fromScratch));
    expect(mine(incremental).length).toBeGreaterThanOrEqual(8);
    expect([...incremental.values()].some((d) => d.kind === "funding_call" && created.includes(d.id))).toBe(true);
    for (const id of mine(incremental)) expect(incremental.get(id), id).toEqual(fromScratch.get(id));
    // And nothing unpublished lingers in the incremental index.
    const unpublished = await pb.collection("posts").getFullList({ filter: pb.filter("status != {:s}", { s: "published" }), fields: "id" });
    for (const { id } of unpublished) expect(incremental.has(id), id).toBe(false);
  });
});

describe("the search service", () => {
  it("/healthz reports the engine and the backlog, and an engine failure is reported, not fatal", async () => {
    const healthy = await getHealth();
    expect(healthy.status).toBe("ok");
    expect(healthy.search).toMatchObject({ engine: "embedded", ok: true });
    expect(typeof healthy.search.documents).toBe("number");
    expect(typeof healthy.outbox.backlog).toBe("number");

    const broken: SearchEngine = {
      ...flaky(inner),
      health: async () => {
        throw new Error("engine down (injected)");
      },
    };
    setSearchEngine(broken);
    try {
      const report = await getHealth();
      expect(report.status).toBe("ok");
      expect(report.search).toMatchObject({ ok: false, detail: "engine down (injected)" });
    } finally {
      setSearchEngine(flaky(inner));
    }
  });

  it("starts the embedded engine from PocketBase, saves a snapshot, and rebuilds when the snapshot is stale", async () => {
    await drainAll(later(10 * 60_000));
    const snapshot = snapshotPathOf();
    rmSync(snapshot, { force: true });
    setSearchEngine(null);
    try {
      const engine = await getSearchEngine();
      const published = await pb.collection("posts").getList(1, 1, { filter: "status = 'published'", fields: "id" });
      const calls = await pb.collection("funding_calls").getList(1, 1, { filter: "status != 'draft'", fields: "id" });
      expect(await engine.count()).toBe(published.totalItems + calls.totalItems);
      // The snapshot is written off the request path, shortly after the rebuild.
      for (let i = 0; i < 100 && !existsSync(snapshot); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(snapshot)).toBe(true);

      // A current snapshot is loaded, not rebuilt.
      const logged = vi.spyOn(console, "log").mockImplementation(() => undefined);
      const starts = () => logged.mock.calls.map((c) => String(c[0])).filter((line) => line.startsWith("[search] embedded index"));
      setSearchEngine(null);
      await getSearchEngine();
      expect(starts().at(-1)).toMatch(/loaded from/);

      // An outbox change applied after the snapshot was written (an edit keeps the published
      // set, so the fingerprint alone would not notice): the next start rebuilds.
      const edited = created[0]!;
      const batch = pb.createBatch();
      batch.collection("posts").update(edited, { summary: "Edited after the snapshot." });
      batch.collection("search_outbox").create({ record: edited, collection_name: "posts", op: "upsert", attempts: 0 });
      await batch.send();
      await drainAll();
      setSearchEngine(null);
      await getSearchEngine();
      expect(starts().at(-1)).toMatch(/rebuilt .*snapshot out of date/);
      logged.mockRestore();

      // A post the snapshot never saw (written without an outbox row): the next start must
      // notice the published set changed and rebuild rather than trust the snapshot.
      const f = await fixture();
      const w = word();
      const id = randomId();
      await pb.collection("posts").create({
        id,
        kind: "discussion",
        slug: `post-${id}`,
        title: `Unseen ${w}`,
        language: "fr",
        organization: f.orgId,
        status: "published",
        published_at: new Date(),
      });
      created.push(id);
      setSearchEngine(null);
      await getSearchEngine();
      expect((await search(w)).hits.map((h) => h.id)).toEqual([id]);
    } finally {
      setSearchEngine(flaky(inner));
      rmSync(path.dirname(snapshot), { recursive: true, force: true });
    }
  });
});
