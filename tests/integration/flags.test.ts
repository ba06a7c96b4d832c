// Reader flags through the real domain functions (issue 9 §13), for what a moderator and a reporter
// see: the moderators' list of a post's flags, the queue's counts and order, why a post was hidden,
// refused flags that leave nothing behind, and the trust rule at its edges (issue 10 §7: from the
// mutants `npm run mutate:integration -- --mutate src/lib/server/flags.ts` left alive).
// Survivors judged equivalent: `fields: "id"` on count queries (only totalItems is read); the queue's
// sort "created" (PocketBase returns rows in insertion order without one); its optional chains, `if (!post)`
// and `?? ""` on names (a flag's post, the post's organisation and the reporter are required relations,
// always expanded, and always named).
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import {
  FLAGS_PER_DAY,
  FLAGS_TO_HIDE,
  HIDES_PER_DAY,
  TRUST_MEMBERSHIP_DAYS,
  flagPost,
  isTrustedReporter,
  listFlags,
  listReportedPosts,
} from "../../src/lib/server/flags.ts";
import { restorePost } from "../../src/lib/server/moderation.ts";
import { leaveOrganization } from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, publishedCaseStudy, trustedReaderActor, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;
const DAY = 86_400_000;

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
});

const actorOf = async (id: string): Promise<Actor> => (await loadActor(id))!;

const publishedPost = () => publishedCaseStudy(pb, moderator);
// Trusted: the author of a published post of a verified organisation.
const trustedReader = (name = "Trusted Reader") => trustedReaderActor(pb, moderator, name);

const statusOf = async (id: string) => (await pb.collection("posts").getOne(id)).status as string;
const hideEvents = async (id: string) =>
  (await pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p} && action = 'auto_hide'", { p: id }) })).map((e) => ({
    actor: e.actor,
    from: e.from_status,
    to: e.to_status,
    note: e.note,
  }));
const flagCount = async (id: string) => (await pb.collection("flags").getList(1, 1, { filter: pb.filter("post = {:p}", { p: id }) })).totalItems;

describe("flagging", () => {
  it("refuses an unknown reason and a second flag by the same reader, storing nothing more", async () => {
    const post = await publishedPost();
    const reader = await actorOf((await createUser(pb)).id);
    await expect(flagPost(reader, post.id, "boring")).rejects.toMatchObject({ field: "reason", message: "Choose why you flag this post." });
    expect(await flagCount(post.id)).toBe(0);
    await flagPost(reader, post.id, "spam");
    await expect(flagPost(reader, post.id, "offensive")).rejects.toMatchObject({
      field: "reason",
      message: "You have already flagged this post; a moderator will look at it.",
    });
    expect(await flagCount(post.id)).toBe(1);
  });

  it("anonymous visitors cannot flag", async () => {
    const post = await publishedPost();
    await expect(flagPost(null, post.id, "spam")).rejects.toBeInstanceOf(ForbiddenError);
    expect(await flagCount(post.id)).toBe(0);
  });

  it("keeps the reporter's note trimmed and at most 2,000 characters", async () => {
    const post = await publishedPost();
    const reader = await actorOf((await createUser(pb, { name: "Note Writer" })).id);
    await flagPost(reader, post.id, "inaccurate", `   ${"x".repeat(2500)}   `);
    const [flag] = await listFlags(post.id);
    expect(flag!.note).toBe("x".repeat(2000));
  });

  it("a trusted reader's patient-data flag hides the post at once, says why, and marks the flag that hid it", async () => {
    const post = await publishedPost();
    const reader = await trustedReader();
    expect(await flagPost(reader, post.id, "patient_data", "Initials and a birth date")).toEqual({ hidden: true });
    expect(await statusOf(post.id)).toBe("hidden");
    expect(await hideEvents(post.id)).toEqual([
      { actor: "", from: "published", to: "hidden", note: "Hidden automatically: a trusted reader reported patient data." },
    ]);
    const flags = await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p}", { p: post.id }) });
    expect(flags.map((f) => [f.reason, f.trusted, f.hid, f.status])).toEqual([["patient_data", true, true, "open"]]);
  });

  it(`${FLAGS_TO_HIDE} trusted readers' flags hide a post, the last one saying how many; fewer do not`, async () => {
    const post = await publishedPost();
    const readers = [await trustedReader(), await trustedReader(), await trustedReader()];
    expect(await flagPost(readers[0]!, post.id, "offensive")).toEqual({ hidden: false });
    expect(await flagPost(readers[1]!, post.id, "spam")).toEqual({ hidden: false });
    expect(await statusOf(post.id)).toBe("published");
    expect(await flagPost(readers[2]!, post.id, "offensive")).toEqual({ hidden: true });
    expect(await hideEvents(post.id)).toEqual([{ actor: "", from: "published", to: "hidden", note: "Hidden automatically: 3 trusted readers flagged it." }]);
    const hid = await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p} && hid = true", { p: post.id }) });
    expect(hid.map((f) => f.reporter)).toEqual([readers[2]!.id]);
  });
});

// One account sending its reports at once (parallel requests, or several site processes) spends its daily
// allowances no faster than one report after another: each report's checks and its hide are one turn.
describe("allowances, when one reader sends reports at once", () => {
  const flagsBy = async (reporter: string) => pb.collection("flags").getFullList({ filter: pb.filter("reporter = {:r}", { r: reporter }) });

  it(`a trusted reader's simultaneous patient-data reports hide ${HIDES_PER_DAY} posts, no more; every report is kept`, async () => {
    const reader = await trustedReader();
    const posts = [];
    for (let i = 0; i < HIDES_PER_DAY + 3; i++) posts.push(await publishedPost());
    const results = await Promise.all(posts.map((p) => flagPost(reader, p.id, "patient_data")));
    expect(results.filter((r) => r.hidden)).toHaveLength(HIDES_PER_DAY);
    const statuses = await Promise.all(posts.map((p) => statusOf(p.id)));
    expect(statuses.filter((s) => s === "hidden")).toHaveLength(HIDES_PER_DAY);
    const flags = await flagsBy(reader.id);
    expect(flags).toHaveLength(posts.length);
    expect(flags.filter((f) => f.hid)).toHaveLength(HIDES_PER_DAY);
  });

  it(`simultaneous reports past ${FLAGS_PER_DAY} a day: ${FLAGS_PER_DAY} are filed, the others refused; one post reported twice at once is filed once`, async () => {
    const reader = await actorOf((await createUser(pb)).id);
    const posts = [];
    for (let i = 0; i < FLAGS_PER_DAY + 2; i++) posts.push(await publishedPost());
    const twice = posts[0]!;
    const outcomes = await Promise.allSettled([...posts, twice].map((p) => flagPost(reader, p.id, "spam")));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(FLAGS_PER_DAY);
    const refusals = outcomes.flatMap((o) => (o.status === "rejected" ? [(o.reason as Error).message] : []));
    // The post reported twice: once filed, once "already"; the posts past the allowance: refused.
    expect(refusals.filter((m) => m === "You have already flagged this post; a moderator will look at it.")).toHaveLength(1);
    expect(refusals.filter((m) => m.startsWith(`You have sent ${FLAGS_PER_DAY} reports in the last 24 hours`))).toHaveLength(2);
    expect(refusals).toHaveLength(3);
    expect(await flagsBy(reader.id)).toHaveLength(FLAGS_PER_DAY);
    expect(await flagCount(twice.id)).toBe(1);
  });
});

describe("what moderators see", () => {
  it("a post's flags, oldest first, with each reporter's name, reason, note and trust", async () => {
    const post = await publishedPost();
    const fresh = await actorOf((await createUser(pb, { name: "Fresh Reader" })).id);
    const trusted = await trustedReader("Old Hand");
    await flagPost(fresh, post.id, "inaccurate", "The dates are wrong.");
    await flagPost(trusted, post.id, "spam");
    expect((await listFlags(post.id)).map(({ reason, note, status, reporter, trusted }) => ({ reason, note, status, reporter, trusted }))).toEqual([
      { reason: "inaccurate", note: "The dates are wrong.", status: "open", reporter: "Fresh Reader", trusted: false },
      { reason: "spam", note: "", status: "open", reporter: "Old Hand", trusted: true },
    ]);
    const [first, second] = await listFlags(post.id);
    expect(first!.id).toMatch(/^[a-z0-9]{15}$/);
    expect(first!.created <= second!.created).toBe(true);
  });

  it("the queue counts a post's flags and trusted flags, names its organisation, and lists older reports first", async () => {
    const older = await publishedPost();
    const newer = await publishedPost();
    const fresh = await actorOf((await createUser(pb)).id);
    const trusted = await trustedReader();
    await flagPost(fresh, older.id, "spam");
    await flagPost(trusted, older.id, "offensive");
    await flagPost(fresh, newer.id, "inaccurate");
    const queue = await listReportedPosts(moderator);
    const mine = queue.filter((r) => r.id === older.id || r.id === newer.id);
    expect(mine).toEqual([
      expect.objectContaining({
        id: older.id,
        title: older.title,
        status: "published",
        organization: older.orgName,
        patientData: false,
        flags: 2,
        trustedFlags: 1,
      }),
      expect.objectContaining({
        id: newer.id,
        title: newer.title,
        status: "published",
        organization: newer.orgName,
        patientData: false,
        flags: 1,
        trustedFlags: 0,
      }),
    ]);
    expect(mine[0]!.firstReportedAt <= mine[1]!.firstReportedAt).toBe(true);
    expect(typeof mine[0]!.slug).toBe("string");
  });
});

describe("what moderators see, after a decision", () => {
  it("a post restored by a moderator leaves the queue: its flags are dismissed, no longer open", async () => {
    const post = await publishedPost();
    expect(await flagPost(await trustedReader(), post.id, "patient_data")).toEqual({ hidden: true });
    expect((await listReportedPosts(moderator)).map((r) => r.id)).toContain(post.id);
    await restorePost(moderator, post.id, "Checked: no patient data.");
    expect((await listReportedPosts(moderator)).map((r) => r.id)).not.toContain(post.id);
    expect((await listFlags(post.id)).map((f) => f.status)).toEqual(["dismissed"]);
  });
});

describe("the trust rule at its edges", () => {
  it("a member of several verified organisations is trusted through any of them", async () => {
    const user = await createUser(pb);
    await createOrganization(pb, [{ userId: user.id, role: "member" }]);
    await createOrganization(pb, [{ userId: user.id, role: "member" }]);
    const actor = await actorOf(user.id);
    expect(actor.memberships.filter((m) => m.organizationVerified)).toHaveLength(2);
    expect(await isTrustedReporter(actor)).toBe(false);
    expect(await isTrustedReporter(actor, new Date(Date.now() + (TRUST_MEMBERSHIP_DAYS + 1) * DAY))).toBe(true);
  });

  it(`a membership trusts from exactly ${TRUST_MEMBERSHIP_DAYS} days on, and only while active`, async () => {
    const user = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: user.id, role: "member" }]);
    const membership = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u}", { u: user.id }));
    const since = new Date(String(membership.created).replace(" ", "T"));
    const actor = await actorOf(user.id);
    expect(await isTrustedReporter(actor, new Date(since.getTime() + TRUST_MEMBERSHIP_DAYS * DAY - 2000))).toBe(false);
    expect(await isTrustedReporter(actor, new Date(since.getTime() + TRUST_MEMBERSHIP_DAYS * DAY + 2000))).toBe(true);
    await leaveOrganization(actor, org.id);
    // The actor as loaded before still lists the membership; the database decides.
    expect(await isTrustedReporter(actor, new Date(since.getTime() + 365 * DAY))).toBe(false);
  });

  it("an old membership of another, unverified organisation does not count for a member of a verified one", async () => {
    const user = await createUser(pb);
    await createOrganization(pb, [{ userId: user.id, role: "member" }], { verified: false, verification_status: "pending" });
    const later = new Date(Date.now() + 365 * DAY);
    expect(await isTrustedReporter(await actorOf(user.id), later)).toBe(false);
    await createOrganization(pb, [{ userId: user.id, role: "member" }]);
    expect(await isTrustedReporter(await actorOf(user.id), later)).toBe(true);
  });
});
