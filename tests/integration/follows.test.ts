// Follows and feeds against a real PocketBase (issue 13 §3, §6): only public targets are
// followed, one row per target, defaults offered once, a member's own rows only; feeds and the
// private feed list published posts by public projection, never an organisation's anonymous posts.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { loadFeed } from "../../src/lib/server/feeds.ts";
import {
  MAX_FOLLOWS,
  ensureDefaultFollows,
  followersOfPost,
  feedTokenCreated,
  follow,
  followState,
  listFollows,
  loadPrivateFeed,
  postsFollowed,
  regenerateFeedToken,
  removeFollow,
  setFollowCadence,
  unfollow,
} from "../../src/lib/server/follows.ts";
import { saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput } from "./search-helpers.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;
let editor: Actor;
let org: { id: string; slug: string; name: string };
const TAG = unique("tag")
  .replace(/[^a-z0-9-]/g, "")
  .slice(0, 30);
const slugs = { named: "", anonymous: "", draft: "" };

async function publish(input: Record<string, unknown>): Promise<string> {
  const draft = await saveDraft(editor, input);
  await submitPost(editor, draft.id);
  await claimPost(moderator, draft.id);
  await approvePost(moderator, draft.id);
  return draft.slug;
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
  const user = await createUser(pb);
  org = await createOrganization(pb, [{ userId: user.id, role: "editor" }], { name: `Kliniek ${unique("k")}` });
  editor = (await loadActor(user.id))!;
  slugs.named = await publish(caseStudyInput(org.id, TAG, `Named ${TAG}`, { tags: TAG }));
  slugs.anonymous = await publish(caseStudyInput(org.id, TAG, `Anonymous ${TAG}`, { tags: TAG, anonymous: true }));
  slugs.draft = (await saveDraft(editor, caseStudyInput(org.id, TAG, `Draft ${TAG}`, { tags: TAG }))).slug;
});

async function member(): Promise<Actor> {
  return (await loadActor((await createUser(pb)).id))!;
}

describe("following", () => {
  it("follows a tag once (a second follow changes the cadence), then unfollows", async () => {
    const reader = await member();
    const first = await follow(reader, { kind: "tag", value: TAG }, "weekly");
    const again = await follow(reader, { kind: "tag", value: TAG }, "immediate");
    expect(again.id).toBe(first.id);
    expect(await followState(reader, { kind: "tag", value: TAG })).toEqual({ following: true, cadence: "immediate" });
    await unfollow(reader, { kind: "tag", value: TAG });
    expect(await followState(reader, { kind: "tag", value: TAG })).toEqual({ following: false, cadence: null });
  });

  it("stores an organisation by id (its page names it by slug) and lists it with its name and link", async () => {
    const reader = await member();
    await follow(reader, { kind: "organization", value: org.slug });
    const rows = await pb.collection("follows").getFullList({ filter: pb.filter("user = {:u}", { u: reader.id }) });
    expect(rows.map((r) => [r.kind, r.target, r.cadence])).toEqual([["organization", org.id, "daily"]]);
    expect(await listFollows(reader)).toMatchObject([{ kind: "organization", label: org.name, href: `/organizations/${org.slug}`, public: true }]);
  });

  it("refuses what is not public or not valid, and writes nothing", async () => {
    const reader = await member();
    const unverified = await createOrganization(pb, [], { verified: false, verification_status: "pending" });
    const refused: [string, Parameters<typeof follow>[1]][] = [
      ["an unverified organisation", { kind: "organization", value: unverified.slug }],
      ["a hospital as a funder", { kind: "funder", value: org.slug }],
      ["an unknown call", { kind: "call", value: "no-such-call" }],
      ["an unknown care setting", { kind: "care_setting", value: "spaceship" }],
      ["a tag with a quote", { kind: "tag", value: 'a"b' }],
      ["an organisation by its id", { kind: "organization", value: org.id }],
      ["a search that selects nothing", { kind: "saved_search", value: "page=2" }],
    ];
    for (const [name, ref] of refused) await expect(follow(reader, ref), name).rejects.toBeInstanceOf(ValidationError);
    await expect(follow(reader, { kind: "tag", value: TAG }, "hourly" as never)).rejects.toBeInstanceOf(ValidationError);
    expect((await pb.collection("follows").getList(1, 1, { filter: pb.filter("user = {:u}", { u: reader.id }) })).totalItems).toBe(0);
  });

  it("saves a search by its words and filters", async () => {
    const reader = await member();
    await follow(reader, { kind: "saved_search", value: "?q=sepsis&outcome=failure&page=3" });
    const [row] = await listFollows(reader);
    expect(row).toMatchObject({ kind: "saved_search", target: "outcome=failure&q=sepsis", href: "/search?outcome=failure&q=sepsis" });
  });

  it("names a saved search's filters in words, the refusal reasons and the changed roles included", async () => {
    const reader = await member();
    await follow(reader, { kind: "saved_search", value: "?reason=budget_or_roi&changed_role=nurses&dpo_involvement=from_idea" });
    const [row] = await listFollows(reader);
    for (const code of ["budget_or_roi", "nurses", "from_idea"]) expect(row?.label).not.toContain(code);
    expect(row?.label).toContain("From the idea");
    expect(row?.label).toContain("Nurses");
  });

  it(`stops at ${MAX_FOLLOWS} follows per member`, async () => {
    const reader = await member();
    const batch = pb.createBatch();
    // Rows made directly only to reach the limit quickly; the refusal below is the domain's.
    for (let i = 0; i < MAX_FOLLOWS; i++) batch.collection("follows").create({ user: reader.id, kind: "tag", target: `t${i}`, cadence: "off" });
    await batch.send();
    await expect(follow(reader, { kind: "tag", value: TAG })).rejects.toThrow(/maximum of 200/);
  });

  it("a member changes and removes only their own follows; another's is 'not found'", async () => {
    const [alice, bob] = await Promise.all([member(), member()]);
    const { id } = await follow(alice, { kind: "tag", value: TAG }, "weekly");
    await expect(setFollowCadence(bob, id, "immediate")).rejects.toMatchObject({ status: 404 });
    await expect(removeFollow(bob, id)).rejects.toMatchObject({ status: 404 });
    await expect(setFollowCadence(null, id, "immediate")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listFollows(null)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("follows").getOne(id)).cadence).toBe("weekly");
    await setFollowCadence(alice, id, "off");
    expect((await pb.collection("follows").getOne(id)).cadence).toBe("off");
    await removeFollow(alice, id);
    await expect(pb.collection("follows").getOne(id)).rejects.toMatchObject({ status: 404 });
  });
});

describe("default follows", () => {
  it("an applicant follows the call their funding application answered", async () => {
    const [funderUser, applicantUser] = await Promise.all([createUser(pb), createUser(pb)]);
    const funder = await createOrganization(pb, [{ userId: funderUser.id, role: "editor" }], { kind: "funder" });
    const applicantOrg = await createOrganization(pb, [{ userId: applicantUser.id, role: "editor" }]);
    const { slug } = await saveCall((await loadActor(funderUser.id))!, funder.id, {
      title: `Call ${unique("c")}`,
      description: "A call for the follows test.",
      status: "open",
      currency: "EUR",
      budget: "1000",
    });
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    const applicant = (await loadActor(applicantUser.id))!;
    await saveDraft(applicant, {
      kind: "funding_application",
      organization: applicantOrg.id,
      call: call.id,
      title: `Our application ${unique("a")}`,
      summary: "Why we applied.",
      body_md: "## Context\n\nWe applied.",
      language: "en",
      tags: "funding",
      anonymous: false,
      decision: "pending",
      amount_requested: "5000",
    });
    const listed = await listFollows(applicant);
    expect(listed.map((f) => [f.kind, f.target]).sort()).toEqual(
      [
        ["call", call.id],
        ["organization", applicantOrg.id],
      ].sort(),
    );
  });

  it("a member follows their organisation once; a removed default is not added back", async () => {
    const user = await createUser(pb);
    const other = await createOrganization(pb, [{ userId: user.id, role: "member" }]);
    const actor = (await loadActor(user.id))!;
    const listed = await listFollows(actor);
    expect(listed.map((f) => [f.kind, f.target])).toEqual([["organization", other.id]]);
    await removeFollow(actor, listed[0]!.id);
    await ensureDefaultFollows(actor);
    expect(await listFollows(actor)).toEqual([]);
  });
});

describe("feeds", () => {
  it("a tag's feed lists published posts (the anonymous one by descriptor), not drafts", async () => {
    const content = await loadFeed("en", { kind: "tag", value: TAG });
    const listed = content?.posts.map((p) => p.slug) ?? [];
    expect(listed).toEqual(expect.arrayContaining([slugs.named, slugs.anonymous]));
    expect(listed).not.toContain(slugs.draft);
    const anonymous = content?.posts.find((p) => p.slug === slugs.anonymous);
    expect(anonymous?.organization).toBeNull();
    expect(anonymous?.byline).not.toContain(org.name);
  });

  it("an organisation's feed lists its named posts only", async () => {
    const content = await loadFeed("fr", { kind: "organization", value: org.slug });
    expect(content?.title).toBe(org.name);
    expect(content?.selfPath).toBe(`/fr/feeds/organizations/${org.slug}.atom`);
    expect(content?.posts.map((p) => p.slug)).toEqual([slugs.named]);
  });

  it("following the organisation never brings its anonymous posts into the private feed", async () => {
    const posts = await postsFollowed("en", [{ kind: "organization", target: org.id }]);
    expect(posts.map((p) => p.slug)).toEqual([slugs.named]);
  });

  it("the private feed answers to the newest token only", async () => {
    const reader = await member();
    await follow(reader, { kind: "tag", value: TAG });
    expect(await feedTokenCreated(reader)).toBeNull();
    const first = await regenerateFeedToken(reader);
    const self = (locale: string) => `/${locale}/x`;
    const feed = await loadPrivateFeed(first, null, self);
    expect(feed?.locale).toBe("en");
    expect(feed?.posts.map((p) => p.slug)).toEqual(expect.arrayContaining([slugs.named, slugs.anonymous]));
    const second = await regenerateFeedToken(reader);
    expect(await loadPrivateFeed(first, null, self)).toBeNull();
    expect(await loadPrivateFeed(second, "nl", self)).toMatchObject({ locale: "nl", title: "Wat u volgt" });
    expect(await feedTokenCreated(reader)).not.toBeNull();
    // Only a hash is stored.
    const settings = await pb.collection("follow_settings").getFirstListItem(pb.filter("user = {:u}", { u: reader.id }));
    expect(JSON.stringify(settings)).not.toContain(second);
    expect(await loadPrivateFeed("not a token", null, self)).toBeNull();
  });
});

describe("who hears of a new post", () => {
  it("members following its tag or organisation, most frequent cadence first; an anonymous post never reaches its organisation's followers", async () => {
    const [byTag, byOrg, both, paused] = await Promise.all([member(), member(), member(), member()]);
    await follow(byTag, { kind: "tag", value: TAG }, "weekly");
    await follow(byOrg, { kind: "organization", value: org.slug }, "immediate");
    await follow(both, { kind: "tag", value: TAG }, "weekly");
    await follow(both, { kind: "organization", value: org.slug }, "daily");
    await follow(paused, { kind: "tag", value: TAG }, "off");
    const named = await pb.collection("posts").getFirstListItem(pb.filter("slug = {:s}", { s: slugs.named }));
    const anonymous = await pb.collection("posts").getFirstListItem(pb.filter("slug = {:s}", { s: slugs.anonymous }));
    const toNamed = await followersOfPost(named);
    expect([toNamed.get(byTag.id), toNamed.get(byOrg.id), toNamed.get(both.id), toNamed.has(paused.id)]).toEqual(["weekly", "immediate", "daily", false]);
    const toAnonymous = await followersOfPost(anonymous);
    expect([toAnonymous.get(byTag.id), toAnonymous.has(byOrg.id), toAnonymous.get(both.id)]).toEqual(["weekly", false, "weekly"]);
    const draft = await pb.collection("posts").getFirstListItem(pb.filter("slug = {:s}", { s: slugs.draft }));
    expect((await followersOfPost(draft)).size).toBe(0);
  });

  it("a digest lists only what was published after its last run", async () => {
    const all = await postsFollowed("en", [{ kind: "tag", target: TAG }]);
    expect(all.length).toBe(2);
    const newest = all[0]!.publishedAt!;
    expect(await postsFollowed("en", [{ kind: "tag", target: TAG }], 50, newest)).toEqual([]);
    expect((await postsFollowed("en", [{ kind: "tag", target: TAG }], 50, "2000-01-01T00:00:00Z")).length).toBe(2);
  });
});
