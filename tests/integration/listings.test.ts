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
import type { PublicPost } from "../../src/lib/server/posts.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let authorId: string;
beforeAll(async () => {
  pb = await useTestPocketBase();
  authorId = (await createUser(pb)).id;
});

/** Creates a post directly in PocketBase, published unless told otherwise. */
async function createPost(fields: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const slug = unique("post");
  const record = await pb.collection("posts").create({
    kind: "case_study",
    slug,
    title: `Post ${slug}`,
    summary: "A summary.",
    body_md: "Body.",
    body_html: "<p>Body.</p>",
    language: "en",
    author: authorId,
    anonymous: false,
    status: "published",
    published_at: new Date().toISOString(),
    outcome: "success",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    tags: [],
    ...fields,
  });
  return { id: record.id, slug };
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
    const org = await createOrganization(pb);
    const tag = unique("only-published").toLowerCase();
    const published = await createPost({ organization: org.id, tags: [tag] });
    const draft = await createPost({ organization: org.id, tags: [tag], status: "draft", published_at: "" });
    const inReview = await createPost({ organization: org.id, tags: [tag], status: "in_review", published_at: "" });
    const withdrawn = await createPost({ organization: org.id, tags: [tag], status: "withdrawn" });

    for (const listing of [await listAll({ facet: "tag", value: tag }), await listAll({ facet: "organization", value: org.id })]) {
      expect(slugs(listing)).toEqual([published.slug]);
    }
    const byOutcome = slugs(await listAll({ facet: "outcome", value: "success" }));
    expect(byOutcome).toContain(published.slug);
    for (const hidden of [draft, inReview, withdrawn]) expect(byOutcome).not.toContain(hidden.slug);
  });

  it("lists newest first and pages through the results", async () => {
    const tag = unique("paging").toLowerCase();
    const older = await createPost({ tags: [tag], published_at: "2024-01-01 10:00:00.000Z" });
    const middle = await createPost({ tags: [tag], published_at: "2024-06-01 10:00:00.000Z" });
    const newest = await createPost({ tags: [tag], published_at: "2025-01-01 10:00:00.000Z" });
    const first = await listPublishedPostsBy("en", { facet: "tag", value: tag, perPage: 2 });
    expect(first).toMatchObject({ page: 1, totalItems: 3, totalPages: 2 });
    expect(slugs(first.items)).toEqual([newest.slug, middle.slug]);
    const second = await listPublishedPostsBy("en", { facet: "tag", value: tag, page: 2, perPage: 2 });
    expect(slugs(second.items)).toEqual([older.slug]);
  });

  it("an organisation's listing never shows its anonymous posts, and listings that do show them never name it", async () => {
    const org = await createOrganization(pb, [], { name: `Sint-Geheim ${unique("zh")}` });
    const { name } = await pb.collection("organizations").getOne(org.id);
    const tag = unique("anon").toLowerCase();
    const named = await createPost({ organization: org.id, tags: [tag], outcome: "success" });
    const anonymous = await createPost({
      organization: org.id,
      tags: [tag],
      anonymous: true,
      outcome: "failure",
      care_settings: ["emergency"],
      ai_types: ["speech"],
    });

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
      expect(anon).toMatchObject({ anonymous: true, organization: null, byline: "an organisation" });
      // (Written by hand without a crowd-checked descriptor, so the coarsest one: issue 9 §2.)
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
    const refused = await createPost({ kind: "funding_application", outcome: "", decision: "rejected", funder_name: "A funder" });
    const awarded = await createPost({ kind: "funding_application", outcome: "", decision: "awarded", funder_name: "A funder" });
    const draftFailure = await createPost({ outcome: "failure", status: "draft", published_at: "" });

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
