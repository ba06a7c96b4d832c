// Search fed by the outbox, against a real PocketBase: publishing makes a post findable,
// hiding removes it, anonymous posts never index their organisation, an engine outage
// loses nothing and keeps each record's order, and a reindex equals the incremental state.
// Every post and call is written by the real domain functions (saveDraft … approvePost,
// hidePost, flagPost, restorePost, withdrawPost, saveCall), which write the outbox rows.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { chooseDescriptor, loadCrowd, renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import { flagPost } from "../../src/lib/server/flags.ts";
import { saveCall } from "../../src/lib/server/funding.ts";
import { getHealth } from "../../src/lib/server/health.ts";
import { approvePost, claimPost, hidePost, restorePost, saveDraft, submitPost, withdrawPost } from "../../src/lib/server/moderation.ts";
import { buildSearchDocument, loadSearchDocument, SEARCH_DOCUMENT_FIELDS } from "../../src/lib/server/search/documents.ts";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import type { EmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import type { SearchDocument, SearchEngine } from "../../src/lib/server/search/engine.ts";
import {
  OUTBOX_RETENTION_MS,
  getSearchEngine,
  rebuildSearchIndex,
  searchStartedFrom,
  setSearchEngine,
  snapshotPathOf,
} from "../../src/lib/server/search/index.ts";
import { BACKOFF_BASE_MS, BACKOFF_MAX_MS, backoffDelay, drainOutbox, getOutboxBacklog } from "../../src/lib/server/search/outbox.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { startTestPocketBase, TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { connectAsSuperuser, setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { caseStudyInput, drainAll, outboxRows as rowsOf, publishThroughModeration, search, trustedReader, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let inner: EmbeddedEngine;
let innerFile: string;
let moderator: Actor;
// Ids the injected engine refuses while set; "*" refuses every write.
const refusing = new Set<string>();
// What the injected engine's refusal says (a test sets a long one).
let refusal = "search engine unreachable (injected)";
const tempDirs: string[] = [];
const created: string[] = [];
// The author and form of each post this file published, to edit it through the domain.
const forms = new Map<string, { author: Actor; input: ReturnType<typeof caseStudyInput> }>();

// The embedded engine with a switch that makes its writes throw, as an unreachable engine would.
function flaky(engine: EmbeddedEngine): SearchEngine {
  const check = (ids: string[]) => {
    if (refusing.has("*") || ids.some((id) => refusing.has(id))) throw new Error(refusal);
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

type Fixture = { orgId: string; orgName: string; orgSlug: string; author: Actor; authorId: string; authorEmail: string; kind: string; region: string };

async function fixture(overrides: Record<string, unknown> = {}): Promise<Fixture> {
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }], overrides);
  const record = await pb.collection("organizations").getOne(org.id);
  const author = (await loadActor(user.id))!;
  return {
    orgId: org.id,
    orgName: String(record.name),
    orgSlug: org.slug,
    author,
    authorId: user.id,
    authorEmail: user.email,
    kind: record.kind,
    region: record.region,
  };
}

// Through the real lifecycle: the author saves and submits, the moderator claims and approves.
async function publish(f: Fixture, fields: { title: string; body?: string; anonymous?: boolean }): Promise<string> {
  const input = caseStudyInput(f.orgId, "", fields.title, {
    body_md: fields.body ?? `## Context\n\nWhat we learned about ${fields.title}, in a few sentences for the readers.`,
    lessons_md: "Talk to the nurses first.",
    anonymous: fields.anonymous ?? false,
    outcome: "failure",
    ai_types: ["predictive_model"],
  });
  const id = await publishThroughModeration(f.author, moderator, input);
  forms.set(id, { author: f.author, input });
  created.push(id);
  return id;
}

// An edit of a published post through its pending revision, approved by the moderator.
async function revise(id: string, changes: Record<string, unknown>): Promise<void> {
  const { author, input } = forms.get(id)!;
  await saveDraft(author, { ...input, ...changes }, id);
  await submitPost(author, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

async function outboxRows(record: string) {
  return rowsOf(pb, record);
}

const slugOf = async (id: string) => (await pb.collection("posts").getOne(id)).slug as string;
const later = (ms: number) => new Date(Date.now() + ms);

// The documents an embedded engine holds, read back from its snapshot.
// The documents an engine holds, read back from the snapshot it saves (what the next start loads).
async function documentsOf(engine: EmbeddedEngine, file: string): Promise<Map<string, SearchDocument>> {
  await engine.save();
  const saved = createEmbeddedEngine({ snapshotPath: file });
  if (!(await saved.load())) throw new Error(`the snapshot ${file} did not load`);
  return new Map([...saved.documents()].map((d) => [d.id, d]));
}

function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-search-it-"));
  tempDirs.push(dir);
  return path.join(dir, name);
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
  innerFile = tempFile("incremental.json");
  inner = createEmbeddedEngine({ snapshotPath: innerFile });
  setSearchEngine(flaky(inner));
  // Rows left by other test files are applied first, so each test starts from an empty queue.
  await drainAll(later(10 * 60_000));
});

beforeEach(() => {
  refusing.clear();
  refusal = "search engine unreachable (injected)";
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
    expect(result.hits[0]).toMatchObject({ url: `/posts/${await slugOf(id)}`, organization_name: f.orgName, outcome: "failure", kind: "case_study" });
    expect(result.hits[0]!.snippet).toContain("<mark>");
    const rows = await outboxRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.processed_at).not.toBe("");
  });

  // Every way off the public site removes the post from search; a restore brings it back.
  const OFF: Record<string, { off: (id: string, f: Fixture) => Promise<unknown>; restorable: boolean }> = {
    "hidden by a moderator": { off: (id) => hidePost(moderator, id, "Checking a complaint."), restorable: true },
    "hidden by a trusted reader's patient-data flag": {
      off: async (id) => expect(await flagPost(await trustedReader(pb, moderator), id, "patient_data", "Initials and a birth date.")).toEqual({ hidden: true }),
      restorable: true,
    },
    "withdrawn by its author": { off: (id, f) => withdrawPost(f.author, id), restorable: false },
  };
  it.each(Object.keys(OFF))("a post %s disappears from search", async (way) => {
    const f = await fixture();
    const w = word();
    const id = await publish(f, { title: `Hidden ${w} case` });
    await drainAll();
    expect((await search(w)).total).toBe(1);

    await OFF[way]!.off(id, f);
    expect((await outboxRows(id)).at(-1)).toMatchObject({ op: "delete", processed_at: "" });
    await drainAll();
    expect((await search(w)).total).toBe(0);
    expect(await loadSearchDocument(id)).toBeNull();
    if (!OFF[way]!.restorable) return;

    // Restored: back in the index.
    await restorePost(moderator, id, "Checked.");
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
    // The descriptor the crowd of verified organisations allowed at approval (issue 9 §2).
    const descriptor = renderDescriptor(
      "en",
      chooseDescriptor({ kind: f.kind, region: f.region, country: null }, await loadCrowd(), getConfig().anonymityK).code,
    );
    expect(hit.public_descriptor).toBe(descriptor);

    const doc = (await loadSearchDocument(id))!;
    expect(doc.organization_name).toBeNull();
    expect(doc.organization_slug).toBeNull();
    expect(doc.public_descriptor).toBe(descriptor);
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
      url: `/posts/${record.slug}`,
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
    const editor = await createUser(pb);
    const funder = await createOrganization(pb, [{ userId: editor.id, role: "editor" }], { kind: "funder", name: `Fund ${word()}` });
    const actor = (await loadActor(editor.id))!;
    const w = word();
    const form = (status: string) => ({
      title: `Scaling ${w} in care homes`,
      programme: "Care Innovation",
      description: "Grants for pilots that relieve care staff, with an evaluation plan.",
      status,
      opens_on: "2025-02-01",
    });
    const { slug } = await saveCall(actor, funder.id, form("open"));
    const id = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
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

    await saveCall(actor, funder.id, form("draft"), id);
    await drainAll();
    expect((await search(w)).total).toBe(0);

    // Published again (closed calls stay public), then the reindex test below must agree.
    await saveCall(actor, funder.id, form("closed"), id);
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
    // Later changes to the same records: a retitled (its revision approved), b hidden.
    await revise(a, { title: `Outage ${w} alpha retitled` });
    await hidePost(moderator, b, "Checking a complaint.");
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
    await hidePost(moderator, x, "Checking a complaint.");
    const blocked = await drainOutbox();
    expect(blocked).toEqual({ processed: 0, failed: 0 });
    const rows = await outboxRows(x);
    expect(rows.map((r) => r.processed_at)).toEqual(["", ""]);

    await drainAll(later(10 * 60_000));
    expect((await outboxRows(x)).every((r) => r.processed_at !== "")).toBe(true);
    expect((await search(w)).hits.map((h) => h.id)).toEqual([y]);
  });

  it("a full reindex from PocketBase equals the incremental state", async () => {
    // Its own records, whichever tests ran before it: published, anonymous, hidden, a call.
    const f = await fixture();
    const w = word();
    const kept = await publish(f, { title: `Reindex ${w} kept` });
    const anonymous = await publish(f, { title: `Reindex ${w} anonymous`, anonymous: true });
    const gone = await publish(f, { title: `Reindex ${w} hidden` });
    await hidePost(moderator, gone, "Checking a complaint.");
    const editor = await createUser(pb);
    const funder = await createOrganization(pb, [{ userId: editor.id, role: "editor" }], { kind: "funder" });
    const form = { title: `Reindex ${w} call`, description: "Grants for pilots that relieve care staff, with an evaluation plan.", status: "open" };
    const { slug } = await saveCall((await loadActor(editor.id))!, funder.id, form);
    const call = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
    created.push(call);

    await drainAll(later(10 * 60_000));
    const file = tempFile("rebuilt.json");
    const rebuilt = createEmbeddedEngine({ snapshotPath: file });
    await rebuildSearchIndex(rebuilt);
    const incremental = await documentsOf(inner, innerFile);
    const fromScratch = await documentsOf(rebuilt, file);
    // Other test files share this PocketBase; compare the records this file wrote.
    const mine = (docs: Map<string, SearchDocument>) => created.filter((id) => docs.has(id)).sort();
    expect(mine(incremental)).toEqual(mine(fromScratch));
    expect(mine(incremental)).toEqual(expect.arrayContaining([kept, anonymous, call]));
    expect(incremental.get(call)?.kind).toBe("funding_call");
    for (const id of mine(incremental)) expect(incremental.get(id), id).toEqual(fromScratch.get(id));
    // And nothing of this file's that is unpublished lingers in the incremental index.
    for (const id of created) {
      // Calls, and the posts the snapshot test wrote on its own PocketBase, are not here.
      const post = await pb
        .collection("posts")
        .getOne(id, { fields: "status" })
        .catch(() => null);
      if (post && post.status !== "published") expect(incremental.has(id), id).toBe(false);
    }
    expect(incremental.has(gone)).toBe(false);
  });
});

// Mutation run of outbox.ts against this file, leases and transitions (issue 10; CASEBOOK_MUTATE_TESTS=…
// npm run mutate:integration -- --mutate src/lib/server/search/outbox.ts). Survivors left, as equivalent:
// the early return on an empty queue, `wanted.length === 0`, `subset.length === 0`, the single-change
// branch of applyChanges, the loading of documents for delete rows, `fields`, `skipTotal` and `sort`
// (they only save requests or bytes: the same rows end in the same state); the 50-record chunk and
// 50-row batch arithmetic (only differs past 50 records or rows in one drain); the prune interval's
// arithmetic (a prune only runs more often); the module's state symbol name and initial flags. Not
// reached from here: the worker loop's `more` and interval (startOutboxWorker: leases.test.ts starts it,
// timing is the benchmark's), ensureSearchWorker (the site's start, e2e) and the prune's error log.
describe("the outbox worker's bookkeeping", () => {
  it("waits 1 s after a first failure, doubles the wait after each further one, and never waits more than 5 minutes", () => {
    expect(BACKOFF_BASE_MS).toBe(1000);
    expect(BACKOFF_MAX_MS).toBe(5 * 60 * 1000);
    expect([0, 1, 2, 3, 4, 8, 9, 10, 11, 40, 10_000].map(backoffDelay)).toEqual([
      1000, 1000, 2000, 4000, 8000, 128_000, 256_000, 300_000, 300_000, 300_000, 300_000,
    ]);
  });

  it("keeps an engine's long error message within what the outbox row holds, and the row still waits for its retry", async () => {
    const f = await fixture();
    const w = word();
    const id = await publish(f, { title: `Long error ${w}` });
    refusal = `engine said: ${"no ".repeat(1500)}`;
    refusing.add(id);
    const result = await drainOutbox();
    expect(result.failed).toBe(1);
    const [row] = await outboxRows(id);
    expect(row!.attempts).toBe(1);
    expect(row!.last_error).toBe(refusal.slice(0, 2000));
    expect(row!.processed_at).toBe("");
    refusing.clear();
    await drainAll(later(10 * 60_000));
    expect((await search(w)).hits.map((h) => h.id)).toEqual([id]);
    // Applied at last: the row no longer shows the old error.
    expect((await outboxRows(id))[0]).toMatchObject({ last_error: "", attempts: 1 });
  });

  it("settles all of a record's due rows with one write, takes no more rows than asked, and two drains at once never apply a row twice", async () => {
    const f = await fixture();
    const w = word();
    // Published then hidden before any drain: two rows of one record, due together.
    const hidden = await publish(f, { title: `Settled ${w} hidden` });
    await hidePost(moderator, hidden, "Checking a complaint.");
    const rows = await outboxRows(hidden);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const first = await drainOutbox({ limit: 100 });
    expect(first).toEqual({ processed: rows.length, failed: 0 });
    expect((await outboxRows(hidden)).every((r) => r.processed_at !== "")).toBe(true);
    expect((await search(w)).total).toBe(0);

    const a = await publish(f, { title: `Settled ${w} alpha` });
    const b = await publish(f, { title: `Settled ${w} bravo` });
    const due = (await outboxRows(a)).length + (await outboxRows(b)).length;
    expect(await drainOutbox({ limit: 1 })).toEqual({ processed: 1, failed: 0 });
    expect(await getOutboxBacklog()).toBe(due - 1);
    const both = await Promise.all([drainOutbox(), drainOutbox()]);
    expect(both[0].processed + both[1].processed).toBe(due - 1);
    expect((await search(w)).hits.map((h) => h.id).sort()).toEqual([a, b].sort());
  });

  it("a row for a collection that is not indexed waits, says why, and holds back nothing else", async () => {
    // No domain writes such a row today: it stands for a collection whose indexing ships later
    // (its rows must wait, not be dropped). Removed at the end so other tests see an empty queue.
    const f = await fixture();
    const w = word();
    const stray = await pb.collection("search_outbox").create({ record: `widget${w}`, collection_name: "widgets", op: "upsert" });
    try {
      const id = await publish(f, { title: `Beside a stray row ${w}` });
      expect((await drainOutbox()).failed).toBe(1);
      const row = await pb.collection("search_outbox").getOne(stray.id);
      expect(row).toMatchObject({ attempts: 1, processed_at: "", last_error: "collection widgets is not indexed" });
      expect((await search(w)).hits.map((h) => h.id)).toEqual([id]);
      expect(await getOutboxBacklog()).toBe(1);
    } finally {
      await pb.collection("search_outbox").delete(stray.id);
    }
  });

  it("prunes applied rows once older than the retention, never a row still waiting", async () => {
    const f = await fixture();
    const w = word();
    const applied = await publish(f, { title: `Pruned ${w} applied` });
    const waiting = await publish(f, { title: `Pruned ${w} waiting` });
    refusing.add(waiting);
    await drainOutbox();
    const appliedRows = await outboxRows(applied);
    expect(appliedRows.length).toBeGreaterThan(0);
    const processedAt = Math.max(...appliedRows.map((r) => new Date(r.processed_at.replace(" ", "T")).getTime()));
    // A prune runs at most every 10 minutes of the clock it is given; each step below is later by more.
    await drainOutbox({ now: new Date(processedAt + OUTBOX_RETENTION_MS - 60 * 60_000) });
    expect(await outboxRows(applied)).toHaveLength(appliedRows.length);
    // Past the retention: gone (a prune removes at most 500 rows, and other files' old rows are
    // older, so it may take a few).
    let step = processedAt + OUTBOX_RETENTION_MS + 60 * 60_000;
    for (let i = 0; i < 40 && (await outboxRows(applied)).length > 0; i++) {
      await drainOutbox({ now: new Date(step) });
      step += 11 * 60_000;
    }
    expect(await outboxRows(applied)).toEqual([]);
    const [held] = await outboxRows(waiting);
    expect(held).toMatchObject({ processed_at: "" });
    expect(held!.attempts).toBeGreaterThan(0);
    refusing.clear();
    await drainAll(new Date(step));
    expect((await search(w)).hits.map((h) => h.id).sort()).toEqual([applied, waiting].sort());
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
    // Its own PocketBase, so the index it starts holds exactly the records written here.
    const shared = { pb, moderator };
    const own = await startTestPocketBase();
    pb = await connectAsSuperuser(own.url, TEST_SUPERUSER);
    setPocketBase(pb);
    const snapshot = snapshotPathOf();
    rmSync(snapshot, { force: true });
    setSearchEngine(null);
    // Quiet: the start-up lines are for operators; the test reads the start path from searchStartedFrom().
    const logged = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
      const f = await fixture();
      const w = word();
      const first = await publish(f, { title: `Snapshot ${w} first` });
      const second = await publish(f, { title: `Snapshot ${w} second` });
      const hidden = await publish(f, { title: `Snapshot ${w} hidden` });
      await hidePost(moderator, hidden, "Checking a complaint.");
      const engine = await getSearchEngine();
      expect(searchStartedFrom()).toEqual({ from: "pocketbase", reason: "no usable snapshot" });
      expect(await engine.count()).toBe(2);
      expect((await search(w)).hits.map((h) => h.id).sort()).toEqual([first, second].sort());
      // The snapshot is written off the request path, shortly after the rebuild.
      for (let i = 0; i < 100 && !existsSync(snapshot); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(snapshot)).toBe(true);

      // A current snapshot is loaded, not rebuilt.
      setSearchEngine(null);
      await getSearchEngine();
      expect(searchStartedFrom()).toEqual({ from: "snapshot" });

      // An outbox change applied after the snapshot was written (an edit keeps the published
      // set, so the fingerprint alone would not notice): the next start rebuilds, and the
      // edit is what search finds.
      await drainAll();
      const edit = word();
      await revise(first, { summary: `Edited after the snapshot (${edit}), through its revision.` });
      await drainAll();
      setSearchEngine(null);
      await getSearchEngine();
      expect(searchStartedFrom()).toEqual({ from: "pocketbase", reason: "snapshot out of date" });
      expect((await search(edit)).hits.map((h) => h.id)).toEqual([first]);

      // A post the snapshot never saw (its outbox row lost, as after a crash or a restore from
      // backup — a fault injected here, not a stand-in for the domain): the next start must
      // notice the published set changed and rebuild rather than trust the snapshot.
      const unseen = word();
      const id = await publish(f, { title: `Unseen ${unseen} after a lost row` });
      for (const row of await outboxRows(id)) await pb.collection("search_outbox").delete(row.id);
      setSearchEngine(null);
      await getSearchEngine();
      expect(searchStartedFrom()).toEqual({ from: "pocketbase", reason: "snapshot out of date" });
      expect((await search(unseen)).hits.map((h) => h.id)).toEqual([id]);
    } finally {
      logged.mockRestore();
      setSearchEngine(flaky(inner));
      ({ pb, moderator } = shared);
      setPocketBase(pb);
      await own.stop();
      rmSync(path.dirname(snapshot), { recursive: true, force: true });
    }
  });
});
