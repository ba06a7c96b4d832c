// What the search index is built from, read back from a real PocketBase (issue 10 §7, survivors
// of the mutation run over search/documents.ts): the fields a document is fetched with are all it
// needs (a document loaded by id equals one built from the whole record, stored HTML or not), a
// full reindex pages through every published post and public call exactly once in pages no larger
// than asked and never empty, the count and the fingerprint agree with it, and asking for no ids
// loads nothing. A PocketBase of this file's own: the shared one's count changes under other files.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveCall } from "../../src/lib/server/funding.ts";
import { hidePost, saveDraft } from "../../src/lib/server/moderation.ts";
import { fingerprintOf } from "../../src/lib/server/search/embedded.ts";
import {
  buildCallSearchDocument,
  buildSearchDocument,
  countSearchableDocuments,
  loadAllSearchDocuments,
  loadPublishedFingerprint,
  loadSearchDocuments,
} from "../../src/lib/server/search/documents.ts";
import type { SearchDocument } from "../../src/lib/server/search/engine.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { caseStudyInput, publishThroughModeration, word } from "./search-helpers.ts";
import { createOrganization, createUser, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stopOwn: (() => Promise<void>) | undefined;
const ids = { posts: [] as string[], calls: [] as string[], hidden: "", draft: "", draftCall: "", withCall: "", withoutCall: "", caseStudy: "" };

const actor = async (id: string): Promise<Actor> => (await loadActor(id))!;

function application(orgId: string, extra: Record<string, unknown>) {
  return {
    kind: "funding_application",
    organization: orgId,
    title: `A refused application for a triage assistant ${word()}`,
    summary: "Why our application was refused, and what we changed afterwards.",
    body_md: "## Context\n\nWe applied for a triage assistant for our outpatient service.",
    language: "en",
    tags: "triage",
    anonymous: false,
    decision: "rejected",
    rejection_reasons: ["data_governance"],
    amount_requested: "87654",
    submitted_on: "2025-03-01",
    decided_on: "2025-06-30",
    funder_feedback_md: "The data protection impact assessment was missing.",
    reflection_md: "We now write the assessment before the application.",
    ...extra,
  };
}

beforeAll(async () => {
  const own = await useOwnPocketBase();
  pb = own.pb;
  stopOwn = own.stop;
  const moderator = await actor((await createUser(pb, { role: "moderator" })).id);
  const author = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: author.id, role: "editor" }]);
  const editor = await actor(author.id);
  const funderUser = await createUser(pb);
  const fund = await createOrganization(pb, [{ userId: funderUser.id, role: "editor" }], { kind: "funder", name: "Fonds Zorg en AI" });
  const funder = await actor(funderUser.id);

  // A call without an opening date is dated by its creation.
  const call = async (status: "open" | "closed" | "draft", opens_on = "2025-01-01") => {
    const { slug } = await saveCall(funder, fund.id, {
      title: `Everyday AI in care ${word()}`,
      programme: "Innovation in care",
      description: "Funding for the evaluation of AI tools in hospitals and home care.",
      eligibility: "Care providers established in Belgium are eligible.",
      opens_on,
      closes_on: "2025-03-31",
      status,
    });
    return (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
  };
  // Three, so that pages of two split them.
  ids.calls = [await call("open"), await call("closed", ""), await call("open")];
  ids.draftCall = await call("draft");

  ids.caseStudy = await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word()));
  ids.withCall = await publishThroughModeration(editor, moderator, application(org.id, { call: ids.calls[0] }));
  ids.withoutCall = await publishThroughModeration(editor, moderator, application(org.id, { funder_name: "Koning Boudewijnstichting" }));
  const more = [];
  for (let i = 0; i < 3; i++) more.push(await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word(), undefined, { anonymous: i === 0 })));
  ids.posts = [ids.caseStudy, ids.withCall, ids.withoutCall, ...more];
  ids.hidden = await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word()));
  await hidePost(moderator, ids.hidden, "Names a ward nurse.");
  ids.draft = (await saveDraft(editor, caseStudyInput(org.id, word()))).id;
}, 120_000);

afterAll(async () => {
  await stopOwn?.();
});

const wholePost = (id: string) => pb.collection("posts").getOne(id, { expand: "organization,funder,call" });
const wholeCall = (id: string) => pb.collection("funding_calls").getOne(id, { expand: "funder" });

describe("search documents loaded from PocketBase (issue 10 §7)", () => {
  it("a document loaded by id is the one the whole record makes: the fetched fields are all it needs", async () => {
    const loaded = await loadSearchDocuments(ids.posts);
    expect([...loaded.keys()].sort()).toEqual([...ids.posts].sort());
    for (const id of ids.posts) expect(loaded.get(id), id).toEqual(buildSearchDocument(await wholePost(id)));
    // What the comparison rests on: the funder and call of an application, its lessons, its decision.
    expect(loaded.get(ids.withCall)).toMatchObject({
      call_title: expect.stringContaining("Everyday AI in care"),
      decided_on: "2025-06-30",
      amount_requested: 87654,
    });
    expect(loaded.get(ids.withoutCall)).toMatchObject({
      funder_name: "Koning Boudewijnstichting",
      decision: "rejected",
      rejection_reasons: ["data_governance"],
    });
    expect(loaded.get(ids.withoutCall)!.lessons).toContain("impact assessment was missing");
    expect(loaded.get(ids.caseStudy)).toMatchObject({ lifecycle_stage: "pilot" });

    const calls = await loadSearchDocuments([...ids.calls, ids.draftCall], "funding_calls");
    expect([...calls.keys()].sort()).toEqual([...ids.calls].sort());
    for (const id of ids.calls) expect(calls.get(id), id).toEqual(buildCallSearchDocument(await wholeCall(id)));
    expect(calls.get(ids.calls[0]!)).toMatchObject({
      summary: expect.stringContaining("Innovation in care"),
      body: expect.stringContaining("established in Belgium"),
    });
  });

  it("a post saved before its HTML was stored is indexed from its Markdown, with the same fields", async () => {
    // Written by hand on purpose: no domain path leaves the HTML empty any more; older records have it so.
    for (const id of [ids.withoutCall, ids.caseStudy])
      await pb.collection("posts").update(id, { body_html: "", lessons_html: "", funder_feedback_html: "", reflection_html: "" });
    const loaded = (await loadSearchDocuments([ids.withoutCall])).get(ids.withoutCall)!;
    expect(loaded).toEqual(buildSearchDocument(await wholePost(ids.withoutCall)));
    expect((await loadSearchDocuments([ids.caseStudy])).get(ids.caseStudy)!.lessons).toBe("Measure time saved honestly.");
    expect(loaded.body).toContain("triage assistant for our outpatient service");
    expect(loaded.lessons).toContain("We now write the assessment before the application.");
    expect(loaded.lessons).toContain("impact assessment was missing");
  });

  it("asking for no ids (or only malformed ones) loads nothing, not everything", async () => {
    expect((await loadSearchDocuments([])).size).toBe(0);
    expect((await loadSearchDocuments(["", "not an id!"])).size).toBe(0);
    expect((await loadSearchDocuments([ids.draft, ids.hidden])).size).toBe(0);
  });

  it("a full reindex reads every published post and public call once, in pages no larger than asked and never empty", async () => {
    // Three calls: pages of one and of three end exactly at the last call, pages of two do not.
    for (const size of [1, 3]) {
      const sized: SearchDocument[][] = [];
      for await (const page of loadAllSearchDocuments(size)) sized.push(page);
      expect(sized.map((page) => page.length).filter((n) => n < 1 || n > size)).toEqual([]);
      expect(
        sized
          .flat()
          .map((d) => d.id)
          .sort(),
      ).toEqual([...ids.posts, ...ids.calls].sort());
    }
    const pages: SearchDocument[][] = [];
    for await (const page of loadAllSearchDocuments(2)) pages.push(page);
    for (const page of pages) expect(page.length).toBeGreaterThanOrEqual(1);
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(2);
    const all = pages.flat();
    expect(all.map((d) => d.id).sort()).toEqual([...ids.posts, ...ids.calls].sort());
    expect(await countSearchableDocuments()).toBe(all.length);
    // The start-up check compares this with the index's own fingerprint: both count the same set.
    expect(await loadPublishedFingerprint()).toBe(fingerprintOf(all));
    const byId = new Map(all.map((d) => [d.id, d]));
    for (const id of ids.posts) expect(byId.get(id), id).toEqual((await loadSearchDocuments([id])).get(id));
  });

  it("the fingerprint changes when a post leaves the public set", async () => {
    const before = await loadPublishedFingerprint();
    const moderator = await actor((await createUser(pb, { role: "moderator" })).id);
    const gone = ids.posts.at(-1)!;
    await hidePost(moderator, gone, "Checking a complaint.");
    ids.posts = ids.posts.filter((id) => id !== gone);
    expect(await loadPublishedFingerprint()).not.toBe(before);
    expect(await countSearchableDocuments()).toBe(ids.posts.length + ids.calls.length);
  });
});
