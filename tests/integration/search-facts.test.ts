// Issue 17 §3 against a real PocketBase: case studies published through the real lifecycle
// (saveDraft, submitPost, claimPost, approvePost) with governance and data facts are found by
// those facts in search, with counts that ignore a facet's own choice; an anonymous one keeps
// its facts and is found by them without its organisation; an approved revision moves its
// counts; the public JSON API takes the same parameters and answers the same counts.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadSearchDocument } from "../../src/lib/server/search/documents.ts";
import type { SearchResult } from "../../src/lib/server/search/engine.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { GET } from "../../src/pages/api/search.ts";
import { caseStudyInput, drainAll, publishThroughModeration, search, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let moderator: Actor;
let org: { id: string; slug: string; name: string };
let dispose: () => Promise<void>;
const marker = word();
const ids: Record<"named" | "anonymous" | "late" | "silent", string> = { named: "", anonymous: "", late: "", silent: "" };

const counts = (result: Pick<SearchResult, "facets">, facet: keyof SearchResult["facets"]) =>
  Object.fromEntries(result.facets[facet].map((f) => [f.value, f.count]));

// The public API route as a visitor calls it (the same handler Astro serves at /api/search).
async function api(query: string): Promise<{ status: number; body: Record<string, unknown> & Partial<SearchResult> }> {
  const response = await GET({ url: new URL(`http://casebook.test/api/search?${query}`) } as Parameters<typeof GET>[0]);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & Partial<SearchResult> };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [e, m] = await Promise.all([createUser(pb), createUser(pb, { role: "moderator" })]);
  org = await createOrganization(pb, [{ userId: e.id, role: "editor" }]);
  editor = (await loadActor(e.id))!;
  moderator = (await loadActor(m.id))!;
  ({ dispose } = useTestSearch());
  // Rows other files left behind are applied first (to this fresh engine), then ours.
  await drainAll();
  const forms: Record<string, Record<string, unknown>> = {
    named: caseStudyInput(org.id, marker, `Sepsis alerts validated by a nurse ${marker}`, {
      dpo_involvement: "from_idea",
      human_oversight: "every_output",
      data_location: "at_source",
      changed_roles: ["nurses", "physicians"],
      nis2: "unknown",
    }),
    anonymous: caseStudyInput(org.id, marker, `Triage chatbot in a vendor cloud ${marker}`, {
      anonymous: true,
      dpo_involvement: "from_idea",
      human_oversight: "sampled",
      data_location: "vendor_cloud_eu",
      changed_roles: ["nurses"],
    }),
    late: caseStudyInput(org.id, marker, `Discharge letters drafted by a model ${marker}`, {
      dpo_involvement: "after_go_live",
      data_location: "vendor_cloud_eu",
      outcome: "failure",
    }),
    // Answers no governance question: counted nowhere under the facts.
    silent: caseStudyInput(org.id, marker, `Bed planning without answers ${marker}`),
  };
  for (const key of Object.keys(ids) as (keyof typeof ids)[]) ids[key] = await publishThroughModeration(editor, moderator, forms[key]!);
  await drainAll();
});

afterAll(() => dispose?.());

describe("governance and data facts in search", () => {
  it("a reader filtering on “DPO involved from the idea” finds those case studies, the anonymous one included, with every fact counted", async () => {
    const everything = await search(marker);
    expect(everything.total).toBe(4);
    expect(counts(everything, "dpo_involvement")).toEqual({ from_idea: 2, after_go_live: 1 });
    expect(counts(everything, "changed_roles")).toEqual({ nurses: 2, physicians: 1 });
    // "Not known" is an answer; an unanswered question is no value at all.
    expect(counts(everything, "nis2")).toEqual({ unknown: 1 });
    expect(counts(everything, "dpia")).toEqual({});

    const fromIdea = await search(marker, { filters: { dpo_involvement: ["from_idea"] } });
    expect(fromIdea.hits.map((h) => h.id).sort()).toEqual([ids.named, ids.anonymous].sort());
    // Disjunctive: the chosen fact still shows the other answers; other facts count within the choice.
    expect(counts(fromIdea, "dpo_involvement")).toEqual({ from_idea: 2, after_go_live: 1 });
    expect(counts(fromIdea, "data_location")).toEqual({ at_source: 1, vendor_cloud_eu: 1 });
    expect(counts(fromIdea, "human_oversight")).toEqual({ every_output: 1, sampled: 1 });
    expect(counts(fromIdea, "outcome")).toEqual({ partial: 2 });

    const anonymous = fromIdea.hits.find((h) => h.id === ids.anonymous)!;
    expect(anonymous.organization_name).toBeNull();
    expect(JSON.stringify(anonymous)).not.toContain(org.name);
    const doc = await loadSearchDocument(ids.anonymous);
    expect(doc).toMatchObject({ organization_name: null, organization_slug: null, dpo_involvement: "from_idea", changed_roles: ["nurses"] });
  });

  it("facts combine with each other and with the other facets: OR within one, AND across", async () => {
    const nursesInTheCloud = await search(marker, { filters: { changed_roles: ["nurses"], data_location: ["vendor_cloud_eu"] } });
    expect(nursesInTheCloud.hits.map((h) => h.id)).toEqual([ids.anonymous]);
    const either = await search(marker, { filters: { dpo_involvement: ["from_idea", "after_go_live"], outcome: ["failure"] } });
    expect(either.hits.map((h) => h.id)).toEqual([ids.late]);
    expect(counts(either, "dpo_involvement")).toEqual({ after_go_live: 1 });
  });

  it("an approved revision that changes a fact moves the post to its new answer", async () => {
    // A post of its own: the other tests count the four above, in any order (--sequence.shuffle).
    const own = word();
    const form = caseStudyInput(org.id, own, `Discharge letters revised ${own}`, { dpo_involvement: "after_go_live" });
    const id = await publishThroughModeration(editor, moderator, form);
    await drainAll();
    expect(counts(await search(own), "dpo_involvement")).toEqual({ after_go_live: 1 });
    await saveDraft(editor, { ...form, dpo_involvement: "before_go_live" }, id);
    await submitPost(editor, id);
    // Pending, the published version still answers for it.
    await drainAll();
    expect(counts(await search(own), "dpo_involvement")).toEqual({ after_go_live: 1 });
    await claimPost(moderator, id);
    await approvePost(moderator, id);
    await drainAll();
    expect(counts(await search(own), "dpo_involvement")).toEqual({ before_go_live: 1 });
    expect((await search(own, { filters: { dpo_involvement: ["after_go_live"] } })).total).toBe(0);
  });

  it("the public JSON API takes the same parameters (changed_role for the roles) and returns the fact counts", async () => {
    const { status, body } = await api(`q=${marker}&dpo_involvement=from_idea&changed_role=physicians`);
    expect(status).toBe(200);
    expect(body.hits?.map((h) => h.id)).toEqual([ids.named]);
    expect(body.total).toBe(1);
    expect(counts(body as SearchResult, "changed_roles")).toEqual({ nurses: 2, physicians: 1 });
    expect(counts(body as SearchResult, "dpo_involvement")).toEqual({ from_idea: 1 });
    expect(counts(body as SearchResult, "human_oversight")).toEqual({ every_output: 1 });

    const bad = await api(`q=${marker}&dpo_involvement=yes`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ param: "dpo_involvement" });
    expect(String(bad.body.error)).toContain("from_idea");
  });
});
