// Public listings against a real PocketBase: only published posts, never an anonymous
// post tied to its organisation, and facet filters that match whole codes only.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import {
  countPublishedByOutcome,
  getFailuresPage,
  listPublishedFailures,
  listPublishedPostsBy,
  parseListingRequest,
  type ListingQuery,
} from "../../src/lib/server/listings.ts";
import { renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { approvePost, claimPost, saveDraft, submitPost, withdrawPost } from "../../src/lib/server/moderation.ts";
import type { PublicPost } from "../../src/lib/server/posts.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput } from "./search-helpers.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;
// The organisation most posts are written for, and its editor.
let room: Room;
beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
  room = await newsroom();
});

type Room = { org: { id: string; slug: string; name: string }; editor: Actor };

/** A verified organisation with an editor who writes through the domain. */
async function newsroom(overrides: Record<string, unknown> = {}): Promise<Room> {
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }], overrides);
  return { org, editor: (await loadActor(user.id))! };
}

type Stage = "published" | "draft" | "in_review" | "withdrawn";

/**
 * Writes a post through the real lifecycle (the editor saves and submits, a moderator claims and
 * approves, the editor withdraws) up to `stage`; a case study with outcome "success" unless told otherwise.
 */
async function createPost(fields: Record<string, unknown> = {}, stage: Stage = "published", by: Room = room): Promise<{ id: string; slug: string }> {
  const { tags, ...rest } = fields;
  const input = caseStudyInput(by.org.id, "", `Listing post ${unique("p")}`, {
    outcome: "success",
    tags: Array.isArray(tags) ? tags.join(", ") : "",
    ...rest,
  });
  const { id } = await saveDraft(by.editor, input);
  if (stage !== "draft") {
    await submitPost(by.editor, id);
    await claimPost(moderator, id);
  }
  if (stage === "published" || stage === "withdrawn") await approvePost(moderator, id);
  if (stage === "withdrawn") await withdrawPost(by.editor, id);
  const record = await pb.collection("posts").getOne(id, { fields: "slug,status" });
  expect(record.status).toBe(stage);
  return { id, slug: String(record.slug) };
}

/** A funding application as its applicant tells it, through the same lifecycle. */
function application(decision: "rejected" | "awarded"): Record<string, unknown> {
  return {
    kind: "funding_application",
    outcome: "",
    lifecycle_stage: "",
    funder_name: "A funder",
    decision,
    amount_requested: 50_000,
    ...(decision === "rejected" ? { rejection_reasons: ["budget_or_roi"] } : { amount_awarded: 40_000 }),
  };
}

/** Every page of a listing, so assertions do not depend on what other tests published. */
async function listAll(query: Omit<ListingQuery, "page" | "perPage">): Promise<PublicPost[]> {
  const items: PublicPost[] = [];
  for (let page = 1; ; page++) {
    const result = await listPublishedPostsBy("en", { ...query, page, perPage: 100 });
    items.push(...result.items);
    if (page >= result.totalPages) return items;
  }
}

async function allFailures(): Promise<PublicPost[]> {
  const items: PublicPost[] = [];
  for (let page = 1; ; page++) {
    const result = await listPublishedFailures("en", { page, perPage: 100 });
    items.push(...result.items);
    if (page >= result.totalPages) return items;
  }
}

const slugs = (posts: PublicPost[]) => posts.map((p) => p.slug);

describe("listings", () => {
  it("only published posts appear", async () => {
    const own = await newsroom();
    const org = own.org;
    const tag = unique("only-published").toLowerCase();
    const published = await createPost({ tags: [tag] }, "published", own);
    const draft = await createPost({ tags: [tag] }, "draft", own);
    const inReview = await createPost({ tags: [tag] }, "in_review", own);
    const withdrawn = await createPost({ tags: [tag] }, "withdrawn", own);

    for (const listing of [await listAll({ facet: "tag", value: tag }), await listAll({ facet: "organization", value: org.id })]) {
      expect(slugs(listing)).toEqual([published.slug]);
    }
    const byOutcome = slugs(await listAll({ facet: "outcome", value: "success" }));
    expect(byOutcome).toContain(published.slug);
    for (const hidden of [draft, inReview, withdrawn]) expect(byOutcome).not.toContain(hidden.slug);
  });

  it("lists newest first and pages through the results", async () => {
    const tag = unique("paging").toLowerCase();
    // Published one after the other, so each is newer than the one before.
    const older = await createPost({ tags: [tag] });
    const middle = await createPost({ tags: [tag] });
    const newest = await createPost({ tags: [tag] });
    const first = await listPublishedPostsBy("en", { facet: "tag", value: tag, perPage: 2 });
    expect(first).toMatchObject({ page: 1, totalItems: 3, totalPages: 2 });
    expect(slugs(first.items)).toEqual([newest.slug, middle.slug]);
    const second = await listPublishedPostsBy("en", { facet: "tag", value: tag, page: 2, perPage: 2 });
    expect(slugs(second.items)).toEqual([older.slug]);
  });

  it("an organisation's listing never shows its anonymous posts, and listings that do show them never name it", async () => {
    const own = await newsroom({ name: `Sint-Geheim ${unique("zh")}` });
    const org = own.org;
    const { name } = await pb.collection("organizations").getOne(org.id);
    const tag = unique("anon").toLowerCase();
    const named = await createPost({ tags: [tag], outcome: "success" }, "published", own);
    const anonymous = await createPost(
      { tags: [tag], anonymous: true, outcome: "failure", care_settings: ["emergency"], ai_types: ["speech"] },
      "published",
      own,
    );
    // The descriptor the crowd allows when it was published (issue 9 §2); whichever it is, it never names the organisation.
    const byline = renderDescriptor("en", (await pb.collection("posts").getOne(anonymous.id)).public_descriptor);

    const orgListing = await listAll({ facet: "organization", value: org.id });
    expect(slugs(orgListing)).toEqual([named.slug]);

    const containing = [
      await listPublishedPostsBy("en", { facet: "tag", value: tag, perPage: 100 }),
      { items: (await listAll({ facet: "outcome", value: "failure" })).filter((p) => p.slug === anonymous.slug) },
      { items: (await listAll({ facet: "care_setting", value: "emergency" })).filter((p) => p.slug === anonymous.slug) },
      { items: (await listAll({ facet: "ai_type", value: "speech" })).filter((p) => p.slug === anonymous.slug) },
      { items: (await allFailures()).filter((p) => p.slug === anonymous.slug) },
    ];
    for (const listing of containing) {
      const anon = listing.items.find((p) => p.slug === anonymous.slug);
      expect(anon).toBeDefined();
      expect(anon).toMatchObject({ anonymous: true, organization: null, byline });
      const json = JSON.stringify(anon);
      expect(json).not.toContain(name);
      expect(json).not.toContain(org.slug);
      expect(json).not.toContain(org.id);
    }
    // The tag listing holds both posts: the named one may name the organisation, the anonymous one may not.
    const tagged = containing[0]!.items;
    expect(slugs(tagged).sort()).toEqual([named.slug, anonymous.slug].sort());
    expect(JSON.stringify(tagged.find((p) => p.slug === anonymous.slug))).not.toContain(name);
  });

  it("the care-setting, AI-type and tag filters match whole values only", async () => {
    const tag = unique("overmatch").toLowerCase();
    const careHome = await createPost({ tags: [tag], care_settings: ["care_home"], ai_types: ["nlp"] });
    const homeCare = await createPost({ tags: [tag], care_settings: ["home_care"], ai_types: ["llm"] });

    const homeCareList = slugs(await listAll({ facet: "care_setting", value: "home_care" }));
    expect(homeCareList).toContain(homeCare.slug);
    expect(homeCareList).not.toContain(careHome.slug);
    const careHomeList = slugs(await listAll({ facet: "care_setting", value: "care_home" }));
    expect(careHomeList).toContain(careHome.slug);
    expect(careHomeList).not.toContain(homeCare.slug);

    expect(slugs(await listAll({ facet: "ai_type", value: "llm" }))).toContain(homeCare.slug);
    expect(slugs(await listAll({ facet: "ai_type", value: "llm" }))).not.toContain(careHome.slug);

    // A tag that is a prefix or part of another tag does not match it.
    const longTag = `${tag}-extra`;
    const prefixed = await createPost({ tags: [longTag] });
    expect(slugs(await listAll({ facet: "tag", value: tag }))).not.toContain(prefixed.slug);
    expect(slugs(await listAll({ facet: "tag", value: longTag }))).toEqual([prefixed.slug]);
    expect(slugs(await listAll({ facet: "tag", value: tag.slice(0, -2) }))).toEqual([]);
  });

  it("rejects values that are not codes or plain tags", async () => {
    const odd = ["", "Sepsis", "-leading-dash", "a b", 'x"', '"', "%", "a%b", "a_b", "sepsis,", "é", "a".repeat(42), "../admin", "x' || status != 'published"];
    for (const value of odd) {
      await expect(listPublishedPostsBy("en", { facet: "tag", value })).rejects.toBeInstanceOf(ValidationError);
      expect(parseListingRequest("tag", value, new URL("http://x/tags"))).toBeNull();
    }
    for (const [facet, value] of [
      ["care_setting", "home"],
      ["care_setting", "care"],
      ["ai_type", "LLM"],
      ["outcome", "nonsense"],
      ["organization", "abc"],
    ] as const) {
      await expect(listPublishedPostsBy("en", { facet, value })).rejects.toBeInstanceOf(ValidationError);
      expect(parseListingRequest(facet, value, new URL("http://x/"))).toBeNull();
    }
    expect(parseListingRequest("tag", "sepsis", new URL("http://x/tags/sepsis?page=3"))).toEqual({ value: "sepsis", page: 3 });
    expect(parseListingRequest("tag", "sepsis", new URL("http://x/tags/sepsis?page=-1"))).toEqual({ value: "sepsis", page: 1 });
    expect(parseListingRequest("tag", "sepsis", new URL("http://x/tags/sepsis?page=abc"))).toEqual({ value: "sepsis", page: 1 });
  });

  it("the failures list holds failures, abandoned projects and refused applications, and counts follow outcomes", async () => {
    const before = await countPublishedByOutcome();
    const failure = await createPost({ outcome: "failure" });
    const abandoned = await createPost({ outcome: "abandoned" });
    const success = await createPost({ outcome: "success" });
    const refused = await createPost(application("rejected"));
    const awarded = await createPost(application("awarded"));
    const draftFailure = await createPost({ outcome: "failure" }, "draft");

    const list = slugs(await allFailures());
    for (const shown of [failure, abandoned, refused]) expect(list).toContain(shown.slug);
    for (const absent of [success, awarded, draftFailure]) expect(list).not.toContain(absent.slug);

    const after = await countPublishedByOutcome();
    expect(after.failure - before.failure).toBe(1);
    expect(after.abandoned - before.abandoned).toBe(1);
    expect(after.success - before.success).toBe(1);
    expect(after.partial - before.partial).toBe(0);

    const page = await getFailuresPage("en", { perPage: 5 });
    expect(page.counts).toEqual(after);
    expect(page.refusedApplications).toBeGreaterThanOrEqual(1);
    expect(page.posts.items.length).toBeLessThanOrEqual(5);
  });
});
