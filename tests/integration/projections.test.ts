// The public projection cache (issue 15 §2, src/lib/server/projections.ts) on a real PocketBase:
// pages read a published post, the home lists, facet listings and the insights from the cache
// until something public changes; a post hidden by a reader's flag is gone from every one of them
// at once; a change written by another process arrives through PocketBase's realtime events; and
// without a live subscription nothing is cached.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { flagPost } from "../../src/lib/server/flags.ts";
import { loadInsightData } from "../../src/lib/server/funding.ts";
import { listPublishedPostsBy } from "../../src/lib/server/listings.ts";
import { listDiscussionsAbout } from "../../src/lib/server/discussions/discussions.ts";
import { restorePost } from "../../src/lib/server/moderation.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { listPublishedPosts, loadPublishedPost } from "../../src/lib/server/posts.ts";
import {
  projection,
  projectionCounts,
  projectionVersion,
  resetProjectionsForTests,
  startProjectionInvalidation,
  stopProjectionInvalidation,
} from "../../src/lib/server/projections.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { createUser, publishedCaseStudy, trustedReaderActor, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;

async function cacheOn(): Promise<void> {
  process.env.CASEBOOK_PROJECTION_CACHE = "on";
  resetProjectionsForTests();
  startProjectionInvalidation();
  await vi.waitFor(() => expect(projectionCounts().live).toBe(true), { timeout: 10_000, interval: 50 });
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
  await cacheOn();
});

afterAll(async () => {
  await stopProjectionInvalidation();
  process.env.CASEBOOK_PROJECTION_CACHE = "off";
});

// The realtime events of the fixtures' own writes arrive a moment after the writes; each empties
// the cache. Before counting hits and misses, wait until they have stopped arriving.
async function settled(): Promise<void> {
  let last = -1;
  while (projectionCounts().events !== last) {
    last = projectionCounts().events;
    await new Promise((r) => setTimeout(r, 150));
  }
}

// What each public surface shows of a post, read through the cache as the pages read it.
async function surfaces(slug: string, id: string) {
  const page = await loadPublishedPost("en", slug);
  const home = await listPublishedPosts("en", { perPage: 24, storiesOnly: true, kinds: ["case_study", "funding_application"] });
  const failures = await listPublishedPostsBy("en", { facet: "outcome", value: "failure" });
  const insights = await loadInsightData();
  return {
    page: page?.post.slug ?? null,
    home: home.items.some((p) => p.slug === slug),
    failures: failures.items.some((p) => p.slug === slug),
    insights: insights.cases.some((c) => c.id === id),
  };
}

describe("public projections", () => {
  it("come from the cache while nothing public changes, frozen so that no page can alter the next visitor's copy", async () => {
    const post = await publishedCaseStudy(pb, moderator);
    await settled();
    const first = await loadPublishedPost("en", post.slug);
    const { hit } = projectionCounts();
    const second = await loadPublishedPost("en", post.slug);
    expect(second).toBe(first);
    expect(projectionCounts().hit).toBe(hit + 1);
    expect(() => {
      (second!.post as { title: string }).title = "Changed by a page";
    }).toThrow(TypeError);
    expect(() => (second!.post.tags as string[]).push("x")).toThrow(TypeError);
    expect((await loadPublishedPost("en", post.slug))!.post.title).toBe(post.title);
    // Another language is another projection (labels differ), loaded on its own.
    expect(await loadPublishedPost("fr", post.slug)).not.toBe(first);
  });

  it("a post hidden by a reader's patient-data flag is gone from its page, the home list, its outcome listing and the insights at once", async () => {
    const post = await publishedCaseStudy(pb, moderator, `Cached target ${unique("c")}`);
    const reader = await trustedReaderActor(pb, moderator);
    await settled();
    expect(await surfaces(post.slug, post.id)).toEqual({ page: post.slug, home: true, failures: true, insights: true });
    // Cached now: a second read asks PocketBase nothing.
    const before = projectionCounts();
    await surfaces(post.slug, post.id);
    expect(projectionCounts().miss).toBe(before.miss);
    const { writes } = projectionCounts();

    expect(await flagPost(reader, post.id, "patient_data", "A birth date and initials")).toEqual({ hidden: true });
    // No wait for an event: the write itself emptied the cache in this process.
    expect(projectionCounts().writes).toBeGreaterThan(writes);
    expect(await surfaces(post.slug, post.id)).toEqual({ page: null, home: false, failures: false, insights: false });
  });

  it("a change written by another process (another site process, a script) reaches the cache through PocketBase's realtime events", async () => {
    const post = await publishedCaseStudy(pb, moderator);
    const reader = await trustedReaderActor(pb, moderator);
    await flagPost(reader, post.id, "patient_data");
    expect(await loadPublishedPost("en", post.slug)).toBeNull();
    expect(await loadPublishedPost("en", post.slug)).toBeNull();
    const { events, writes } = projectionCounts();
    // A client of its own, as another process has: its write does not pass through this process.
    const other = await connectAsSuperuser(pocketbaseUrl(), TEST_SUPERUSER);
    await other.collection("posts").update(post.id, { status: "published" });
    await vi.waitFor(async () => expect((await loadPublishedPost("en", post.slug))?.post.slug).toBe(post.slug), { timeout: 10_000, interval: 20 });
    expect(projectionCounts().events).toBeGreaterThan(events);
    expect(projectionCounts().writes).toBe(writes);
    // The domain's own restore (this process) is seen at once as well; the post is published again.
    await other.collection("posts").update(post.id, { status: "hidden" });
    await vi.waitFor(async () => expect(await loadPublishedPost("en", post.slug)).toBeNull(), { timeout: 10_000, interval: 20 });
    await restorePost(moderator, post.id, "Checked: no patient data.");
    expect((await loadPublishedPost("en", post.slug))?.post.slug).toBe(post.slug);
  });

  it("a write to a private collection (outboxes) keeps the cache; one to a public collection, single or batched, empties it", async () => {
    const post = await publishedCaseStudy(pb, moderator);
    await settled();
    await loadPublishedPost("en", post.slug);
    const version = projectionVersion()!.tag;
    const { writes } = projectionCounts();
    await pb.collection("search_outbox").create({ record: post.id, collection_name: "posts", op: "upsert", attempts: 0 });
    expect(projectionVersion()!.tag).toBe(version);
    const { miss } = projectionCounts();
    await loadPublishedPost("en", post.slug);
    expect(projectionCounts().miss).toBe(miss);
    // `pb` is the site's client here (setPocketBase): its writes count as this process's.
    await pb.collection("posts").update(post.id, { title: `${post.title} (edited)` });
    expect(projectionCounts().writes).toBe(writes + 1);
    expect((await loadPublishedPost("en", post.slug))!.post.title).toBe(`${post.title} (edited)`);
    const batch = pb.createBatch();
    batch.collection("search_outbox").create({ record: post.id, collection_name: "posts", op: "upsert", attempts: 0 });
    batch.collection("posts").update(post.id, { title: post.title });
    await batch.send();
    expect(projectionCounts().writes).toBe(writes + 2);
    expect((await loadPublishedPost("en", post.slug))!.post.title).toBe(post.title);
  });

  it("'discussed in' comes from one index of every discussion, kept until something public changes", async () => {
    const post = await publishedCaseStudy(pb, moderator);
    const author = await createUser(pb);
    const slug = unique("about");
    const discussion = await pb.collection("posts").create({
      kind: "discussion",
      status: "published",
      slug,
      title: "What did you ask your DPO first?",
      summary: "A question about the case study.",
      body_md: "Which question came first?",
      language: "en",
      author: author.id,
      anonymous: false,
      about: [post.id],
      published_at: new Date().toISOString(),
    });
    await settled();
    expect((await listDiscussionsAbout("en", post.id)).map((d) => d.slug)).toEqual([slug]);
    const { miss } = projectionCounts();
    expect((await listDiscussionsAbout("en", post.id)).map((d) => d.slug)).toEqual([slug]);
    expect(await listDiscussionsAbout("en", "000000000000000")).toEqual([]);
    expect(projectionCounts().miss).toBe(miss);
    await pb.collection("posts").update(discussion.id, { status: "hidden" });
    expect(await listDiscussionsAbout("en", post.id)).toEqual([]);
  });

  it("a failed load is not kept: the next read asks again", async () => {
    let calls = 0;
    const key = unique("failing");
    const load = async () => {
      calls++;
      if (calls === 1) throw new Error("PocketBase unavailable");
      return { ok: true };
    };
    await expect(projection(key, load)).rejects.toThrow("PocketBase unavailable");
    expect(await projection(key, load)).toEqual({ ok: true });
    expect(await projection(key, load)).toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  it("without a live realtime subscription nothing is cached (a missed event must not leave a stale page)", async () => {
    const post = await publishedCaseStudy(pb, moderator);
    await stopProjectionInvalidation();
    try {
      expect(projectionVersion()).toBeNull();
      const { bypass } = projectionCounts();
      const first = await loadPublishedPost("en", post.slug);
      const second = await loadPublishedPost("en", post.slug);
      expect(second).not.toBe(first);
      expect(second).toEqual(first);
      expect(projectionCounts().bypass).toBe(bypass + 2);
      // A write from elsewhere is seen at once, since nothing was kept.
      const other = await connectAsSuperuser(pocketbaseUrl(), TEST_SUPERUSER);
      await other.collection("posts").update(post.id, { status: "hidden" });
      expect(await loadPublishedPost("en", post.slug)).toBeNull();
    } finally {
      await cacheOn();
    }
  });
});

function pocketbaseUrl(): string {
  return process.env.POCKETBASE_URL!;
}
