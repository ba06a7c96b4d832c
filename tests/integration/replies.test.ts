// Issue 14 §2 through the real domain against a real PocketBase: which replies are published
// at once and which wait (new account, no verified organisation, any privacy finding), patient
// identifiers refused outright, moderation (approve, reject, hide, restore) writing reply +
// event + outbox in one batch, the thread's search document holding its published replies'
// words only, lock and slow mode refusing with their messages, the asker's accepted answer,
// and an anonymous reply that never names its organisation.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import {
  approveReply,
  editReply,
  flagReply,
  hideReply,
  listMyReplies,
  listReplies,
  listRepliesToModerate,
  markAnswer,
  postReply,
  rejectReply,
  restoreReply,
  setThreadSettings,
  withdrawReply,
} from "../../src/lib/server/discussions/replies.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadTopicThreads } from "../../src/lib/server/discussions/discussions.ts";
import { topicsDiscussed } from "../../src/lib/server/insights.ts";
import { getPocketBase } from "../../src/lib/server/pocketbase.ts";
import { loadSearchDocument } from "../../src/lib/server/search/documents.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { flagPost } from "../../src/lib/server/flags.ts";
import { follow, listFollows } from "../../src/lib/server/follows.ts";
import { drainAll, outboxRows, search, trustedReader, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let engine: ReturnType<typeof useTestSearch>;
let asker: Actor;
let veteran: Actor;
let newcomer: Actor;
let loner: Actor;
let moderator: Actor;
let askerOrg: { id: string; slug: string; name: string };
let veteranOrg: { id: string; slug: string; name: string };
let newcomerOrg: { id: string; slug: string; name: string };

// Asked by the asker for its organisation, by name, unless `by` says who asks and how.
async function publishDiscussion(
  marker = word(),
  tags = "dpo",
  by: { author: Actor; organization: string; anonymous: boolean } = { author: asker, organization: askerOrg.id, anonymous: false },
): Promise<{ id: string; slug: string }> {
  const { id } = await saveDraft(by.author, {
    kind: "discussion",
    organization: by.organization,
    title: `How do you involve your DPO ${marker}?`,
    body_md: `We start an AI pilot. When does the DPO come in? ${marker}`,
    language: "en",
    tags,
    anonymous: by.anonymous,
    care_settings: ["hospital"],
    ai_types: ["llm"],
    about: "",
  });
  await submitPost(by.author, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return { id, slug: (await pb.collection("posts").getOne(id)).slug };
}

const reply = (body: string, organization = "", extra: Record<string, unknown> = {}) => ({ body, language: "en", organization, anonymous: false, ...extra });
const events = (replyId: string) =>
  pb.collection("moderation_events").getFullList({ filter: pb.filter("reply = {:r}", { r: replyId }), sort: "created,@rowid" });
const notices = (user: string, kind: string) =>
  pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = {:k}", { u: user, k: kind }) });

beforeAll(async () => {
  pb = await useTestPocketBase();
  engine = useTestSearch();
  const [a, v, n, l, mod] = await Promise.all([
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb, { name: "Lone Reader" }),
    createUser(pb, { role: "moderator" }),
  ]);
  askerOrg = await createOrganization(pb, [{ userId: a.id, role: "member" }]);
  veteranOrg = await createOrganization(pb, [{ userId: v.id, role: "member" }], { kind: "home_care" });
  newcomerOrg = await createOrganization(pb, [{ userId: n.id, role: "member" }]);
  const actors = (await Promise.all([a, v, n, l, mod].map((u) => loadActor(u.id)))) as Actor[];
  [asker, veteran, newcomer, loner, moderator] = [actors[0]!, actors[1]!, actors[2]!, actors[3]!, actors[4]!];
  // The veteran's first three replies wait and are approved: from then on theirs appear at once.
  const warmup = await publishDiscussion();
  for (let i = 0; i < 3; i++) {
    const r = await postReply(veteran, warmup.id, reply(`Our experience, part ${i + 1}.`, veteranOrg.id));
    expect(r.status).toBe("pending");
    await approveReply(moderator, r.id);
  }
}, 60_000);

afterAll(() => engine?.dispose());

describe("holding rules", () => {
  it("a new account's first reply waits, with why, tells the moderators, and appears after approval (reply + event + outbox together)", async () => {
    const thread = await publishDiscussion();
    const before = (await outboxRows(pb, thread.id)).length;
    const r = await postReply(newcomer, thread.id, reply("We ask our DPO at the idea stage.", newcomerOrg.id));
    expect(r).toMatchObject({ status: "pending", holdReasons: ["new_account"] });
    const stored = await pb.collection("replies").getOne(r.id);
    expect(stored.hold_reasons).toEqual(["new_account"]);
    expect((await events(r.id)).map((e) => e.action)).toEqual(["reply_held"]);
    expect(await outboxRows(pb, thread.id)).toHaveLength(before);
    expect(await notices(moderator.id, "reply_held")).not.toHaveLength(0);
    // Only its author sees it while it waits, with the reasons.
    const post = await pb.collection("posts").getOne(thread.id);
    expect((await listReplies("en", post, null)).replies).toEqual([]);
    expect((await listReplies("en", post, asker)).replies).toEqual([]);
    expect((await listReplies("en", post, newcomer)).replies.map((x) => [x.status, x.holdReasons])).toEqual([["pending", ["new_account"]]]);
    expect((await listMyReplies(newcomer)).find((x) => x.id === r.id)).toMatchObject({ status: "pending", holdReasons: ["new_account"] });

    await approveReply(moderator, r.id, "Thanks");
    expect((await pb.collection("replies").getOne(r.id)).status).toBe("published");
    expect((await events(r.id)).map((e) => [e.action, e.from_status, e.to_status])).toEqual([
      ["reply_held", "", "pending"],
      ["approve_reply", "pending", "published"],
    ]);
    expect(await outboxRows(pb, thread.id)).toHaveLength(before + 1);
    expect(await notices(newcomer.id, "reply_decision")).not.toHaveLength(0);
    expect(await notices(asker.id, "reply_published")).not.toHaveLength(0);
    expect((await listReplies("en", post, null)).replies.map((x) => [x.byline, x.status])).toEqual([[newcomerOrg.name, "published"]]);
  });

  it("a trusted member's reply is published at once; any privacy finding (even a non-blocking address) holds it", async () => {
    const thread = await publishDiscussion();
    const live = await postReply(veteran, thread.id, reply("We involve the DPO before the pilot.", veteranOrg.id));
    expect(live).toEqual({ id: live.id, status: "published", holdReasons: [] });
    // Nothing tells the replier of their own reply (other tests' threads may tell them of others').
    expect((await notices(veteran.id, "reply_published")).filter((n) => String(n.link).endsWith(`#reply-${live.id}`))).toEqual([]);
    expect((await notices(asker.id, "reply_published")).filter((n) => String(n.link).endsWith(`#reply-${live.id}`))).toHaveLength(1);
    const held = await postReply(veteran, thread.id, reply("Letters went to Kerkstraat 12, 9000 Gent by mistake.", veteranOrg.id));
    expect(held).toMatchObject({ status: "pending", holdReasons: ["privacy_finding"] });
    const stored = await pb.collection("replies").getOne(held.id);
    expect(stored.privacy_findings.map((f: { kind: string; blocking: boolean }) => [f.kind, f.blocking])).toEqual([["address", false]]);
  });

  it("a patient identifier is refused outright with the message, and nothing is stored", async () => {
    const thread = await publishDiscussion();
    await expect(postReply(veteran, thread.id, reply("The export still carried 85.07.30-033.28 in one row.", veteranOrg.id))).rejects.toThrow(
      /looks like a patient identifier/,
    );
    expect(await pb.collection("replies").getFullList({ filter: pb.filter("post = {:p}", { p: thread.id }) })).toEqual([]);
  });

  it("an account without a verified organisation replies under its own name, always held, never pseudonymously", async () => {
    const thread = await publishDiscussion();
    await expect(postReply(loner, thread.id, reply("As a patient advocate…", "", { anonymous: true }))).rejects.toThrow(
      /Only a member of a verified organisation/,
    );
    const r = await postReply(loner, thread.id, reply("As a patient advocate, ask us too."));
    expect(r.holdReasons).toEqual(["no_verified_organization", "new_account"]);
    await approveReply(moderator, r.id);
    const post = await pb.collection("posts").getOne(thread.id);
    expect((await listReplies("en", post, null)).replies.map((x) => x.byline)).toEqual(["Lone Reader"]);
    // A member of a verified organisation must speak for one (never as a private person beside it).
    await expect(postReply(veteran, thread.id, reply("Personally…"))).rejects.toThrow(/Choose the organisation/);
    await expect(postReply(veteran, thread.id, reply("For them…", askerOrg.id))).rejects.toThrow(/active member/);
  });
});

describe("insights", () => {
  it("the topics discussed count a thread under each of its tags with its published replies only; a hidden reply stops counting", async () => {
    const topic = `topic-${word()}`;
    const thread = await publishDiscussion(word(), `${topic}, dpo`);
    const live = await postReply(veteran, thread.id, reply("We ask the DPO at the idea stage.", veteranOrg.id));
    await postReply(veteran, thread.id, reply("Letters went to Kerkstraat 12, 9000 Gent by mistake.", veteranOrg.id));
    await postReply(newcomer, thread.id, reply("New here: we never asked.", newcomerOrg.id));
    const row = () => loadTopicThreads().then((threads) => topicsDiscussed(threads, 10_000).find((r) => r.tag === topic));
    expect(await row()).toEqual({ tag: topic, discussions: 1, summaries: 0, replies: 1 });
    await hideReply(moderator, live.id, "off topic");
    expect(await row()).toEqual({ tag: topic, discussions: 1, summaries: 0, replies: 0 });
  });
});

describe("search", () => {
  it("a published reply's words find its thread; a pending one's never; after hiding, no longer", async () => {
    const thread = await publishDiscussion();
    const spoken = word("rp");
    const waiting = word("rw");
    await postReply(veteran, thread.id, reply(`We keep a register called ${spoken}.`, veteranOrg.id));
    await postReply(newcomer, thread.id, reply(`Our tool is ${waiting}.`, newcomerOrg.id));
    await drainAll();
    expect((await search(spoken)).hits.map((h) => h.id)).toEqual([thread.id]);
    expect((await search(waiting)).hits).toEqual([]);
    const doc = await loadSearchDocument(thread.id);
    expect(doc?.body).toContain(spoken);
    expect(doc?.body).not.toContain(waiting);
    const published = await pb.collection("replies").getFirstListItem(pb.filter("post = {:p} && status = 'published'", { p: thread.id }));
    await hideReply(moderator, published.id, "Off topic for this thread");
    expect((await events(published.id)).map((e) => e.action)).toEqual(["reply_published", "hide_reply"]);
    await drainAll();
    expect((await search(spoken)).hits).toEqual([]);
    await restoreReply(moderator, published.id);
    await drainAll();
    expect((await search(spoken)).hits.map((h) => h.id)).toEqual([thread.id]);
  });

  it("an anonymous reply shows only its descriptor: not on the thread, not in the search document", async () => {
    const thread = await publishDiscussion();
    const marker = word("an");
    const r = await postReply(veteran, thread.id, reply(`Pseudonymous view ${marker}.`, veteranOrg.id, { anonymous: true }));
    expect(r.status).toBe("published");
    const post = await pb.collection("posts").getOne(thread.id);
    const shown = (await listReplies("en", post, asker)).replies.find((x) => x.id === r.id)!;
    expect(shown.anonymous).toBe(true);
    expect(shown.organizationSlug).toBeNull();
    expect(JSON.stringify(shown)).not.toContain(veteranOrg.name);
    expect(JSON.stringify(shown)).not.toContain(veteranOrg.slug);
    expect(shown.byline).toMatch(/home.care|care provider|organisation/i);
    const doc = await loadSearchDocument(thread.id);
    expect(JSON.stringify(doc)).not.toContain(veteranOrg.name);
  });

  it("an anonymous reply that names its organisation is refused and not stored; signed, the same words are posted", async () => {
    const thread = await publishDiscussion();
    const text = `At ${veteranOrg.name.toLowerCase()} we tried this ${word("nm")}.`;
    const count = async () => (await pb.collection("replies").getList(1, 1, { filter: pb.filter("post = {:p}", { p: thread.id }) })).totalItems;
    await expect(postReply(veteran, thread.id, reply(text, veteranOrg.id, { anonymous: true }))).rejects.toMatchObject({
      field: "body",
      message: `Your reply is pseudonymous but names its organisation (“${veteranOrg.name.toLowerCase()}”). Remove the name, or reply under the organisation’s name.`,
    });
    expect(await count()).toBe(0);
    expect((await postReply(veteran, thread.id, reply(text, veteranOrg.id))).status).toBe("published");
    expect(await count()).toBe(1);
  });

  it("under its own organisation's pseudonymous thread, its author (or an editor) replies pseudonymously only; a plain member who cannot know whose it is is not told", async () => {
    // The veteran's organisation asks pseudonymously (the veteran is its author).
    const { id } = await publishDiscussion(word(), "alerts", { author: veteran, organization: veteranOrg.id, anonymous: true });
    const count = async () => (await pb.collection("replies").getList(1, 1, { filter: pb.filter("post = {:p}", { p: id }) })).totalItems;
    const named = reply("Thanks, we will try a quieter alert at night.", veteranOrg.id);
    const refused = await postReply(veteran, id, named).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ field: "anonymous", message: expect.stringContaining("a reply under its name would tell readers who wrote it") });
    expect(await count()).toBe(0);
    // Pseudonymously, the same words are posted (and its descriptor is all readers see).
    expect((await postReply(veteran, id, { ...named, anonymous: true })).status).toBe("published");
    // An editor of the organisation knows whose it is: the same rule.
    const editor = (await loadActor((await createUser(pb)).id))!;
    await pb.collection("memberships").create({ user: editor.id, organization: veteranOrg.id, role: "editor", status: "active" });
    await expect(postReply((await loadActor(editor.id))!, id, named)).rejects.toMatchObject({ field: "anonymous" });
    // A plain member does not know (and must not learn) that the thread is theirs: their named reply is taken as anyone's.
    const member = (await loadActor((await createUser(pb)).id))!;
    await pb.collection("memberships").create({ user: member.id, organization: veteranOrg.id, role: "member", status: "active" });
    expect((await postReply((await loadActor(member.id))!, id, reply("We silenced ours too.", veteranOrg.id))).status).toBe("pending");
    expect(await count()).toBe(2);
  });
});

describe("moderation and thread settings", () => {
  it("a lock refuses new replies with its message; slow mode says how many minutes are left", async () => {
    const thread = await publishDiscussion();
    await setThreadSettings(moderator, thread.id, { locked: true, slowModeMinutes: 0, pinned: true });
    expect(await pb.collection("posts").getOne(thread.id)).toMatchObject({ locked: true, pinned: true });
    await expect(postReply(veteran, thread.id, reply("Late.", veteranOrg.id))).rejects.toThrow(/locked this discussion/);
    await setThreadSettings(moderator, thread.id, { locked: false, slowModeMinutes: 10, pinned: false });
    await postReply(veteran, thread.id, reply("First.", veteranOrg.id));
    await expect(postReply(veteran, thread.id, reply("Second.", veteranOrg.id))).rejects.toThrow(
      "This discussion is in slow mode: one reply per person every 10 minutes. You can reply again in 10 minutes.",
    );
    // Others are not slowed by someone else's reply.
    await expect(postReply(newcomer, thread.id, reply("Mine.", newcomerOrg.id))).resolves.toMatchObject({ status: "pending" });
    await expect(setThreadSettings(asker, thread.id, { locked: true, slowModeMinutes: 0, pinned: false })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a refusal needs a reason and keeps the reply off the thread; a moderator never decides on their own reply", async () => {
    const thread = await publishDiscussion();
    const r = await postReply(newcomer, thread.id, reply("Buy our product.", newcomerOrg.id));
    await expect(rejectReply(moderator, r.id, "")).rejects.toBeInstanceOf(ValidationError);
    expect((await pb.collection("replies").getOne(r.id)).status).toBe("pending");
    await rejectReply(moderator, r.id, "Advertising is not allowed.");
    expect((await pb.collection("replies").getOne(r.id)).status).toBe("hidden");
    expect(await notices(newcomer.id, "reply_decision")).not.toHaveLength(0);
    const own = await postReply(moderator, thread.id, reply("A moderator's own view."));
    await expect(approveReply(moderator, own.id)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a transition whose batch fails leaves the reply, its events and the outbox as they were", async () => {
    const thread = await publishDiscussion();
    const r = await postReply(newcomer, thread.id, reply("Wait for me.", newcomerOrg.id));
    const outboxBefore = (await outboxRows(pb, thread.id)).length;
    const client = await getPocketBase();
    const real = client.createBatch.bind(client);
    const spy = vi.spyOn(client, "createBatch").mockImplementation(() => {
      const batch = real();
      const send = batch.send.bind(batch);
      batch.send = async (options) => {
        batch.collection("notifications").create({ kind: "broken" });
        return send(options);
      };
      return batch;
    });
    try {
      await expect(approveReply(moderator, r.id)).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect((await pb.collection("replies").getOne(r.id)).status).toBe("pending");
    expect((await events(r.id)).map((e) => e.action)).toEqual(["reply_held"]);
    expect(await outboxRows(pb, thread.id)).toHaveLength(outboxBefore);
  });
});

describe("the author's own reply and the accepted answer", () => {
  it("the author edits within the window (history kept, marked edited), withdraws; others cannot", async () => {
    const thread = await publishDiscussion();
    const r = await postReply(veteran, thread.id, reply("First version.", veteranOrg.id));
    await expect(editReply(newcomer, r.id, "Hijacked.")).rejects.toBeInstanceOf(ForbiddenError);
    await editReply(veteran, r.id, "Second version.");
    const stored = await pb.collection("replies").getOne(r.id);
    expect(stored.body_md).toBe("Second version.");
    expect(stored.history.map((h: { body_md: string }) => h.body_md)).toEqual(["First version."]);
    const post = await pb.collection("posts").getOne(thread.id);
    expect((await listReplies("en", post, null)).replies[0]?.edited).toBe(true);
    await expect(withdrawReply(newcomer, r.id)).rejects.toBeInstanceOf(ForbiddenError);
    await withdrawReply(veteran, r.id);
    expect((await listReplies("en", post, null)).replies).toEqual([]);
  });

  it("the asker marks an answer, changes and unmarks it; nobody else can; a withdrawn answer is unmarked", async () => {
    const thread = await publishDiscussion();
    const one = await postReply(veteran, thread.id, reply("Answer one.", veteranOrg.id));
    const two = await postReply(veteran, thread.id, reply("Answer two, later.", veteranOrg.id));
    await expect(markAnswer(veteran, thread.id, one.id)).rejects.toBeInstanceOf(ForbiddenError);
    await markAnswer(asker, thread.id, one.id);
    let post = await pb.collection("posts").getOne(thread.id);
    expect(post.accepted_reply).toBe(one.id);
    expect((await listReplies("en", post, null)).accepted?.id).toBe(one.id);
    await markAnswer(asker, thread.id, two.id);
    await markAnswer(asker, thread.id, "");
    expect((await pb.collection("posts").getOne(thread.id)).accepted_reply).toBe("");
    await markAnswer(asker, thread.id, two.id);
    await withdrawReply(veteran, two.id);
    post = await pb.collection("posts").getOne(thread.id);
    expect(post.accepted_reply).toBe("");
    // A hidden answer no longer answers either.
    await markAnswer(asker, thread.id, one.id);
    await hideReply(moderator, one.id, "Wrong and misleading");
    expect((await pb.collection("posts").getOne(thread.id)).accepted_reply).toBe("");
    // A reply of another thread is never this one's answer.
    const other = await publishDiscussion();
    const elsewhere = await postReply(veteran, other.id, reply("Elsewhere.", veteranOrg.id));
    await expect(markAnswer(asker, thread.id, elsewhere.id)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("flags on replies", () => {
  it("three trusted flags hide the reply, not its discussion; a patient-data flag hides at once; the reporter can still flag the discussion", async () => {
    const thread = await publishDiscussion();
    const r = await postReply(veteran, thread.id, reply("Spam spam spam.", veteranOrg.id));
    const readers = [await trustedReader(pb, moderator), await trustedReader(pb, moderator), await trustedReader(pb, moderator)];
    expect(await flagReply(readers[0]!, r.id, "spam")).toEqual({ hidden: false });
    expect(await flagReply(readers[1]!, r.id, "spam")).toEqual({ hidden: false });
    await expect(flagReply(readers[1]!, r.id, "spam")).rejects.toBeInstanceOf(ValidationError);
    expect(await flagReply(readers[2]!, r.id, "spam")).toEqual({ hidden: true });
    expect((await pb.collection("replies").getOne(r.id)).status).toBe("hidden");
    expect((await pb.collection("posts").getOne(thread.id)).status).toBe("published");
    expect((await events(r.id)).map((e) => e.action)).toEqual(["reply_published", "auto_hide_reply"]);
    // A flag on a reply is not a flag on the discussion.
    await expect(flagPost(readers[0]!, thread.id, "other", "About the question itself")).resolves.toEqual({ hidden: false });
    await expect(flagReply(veteran, r.id, "spam")).rejects.toBeInstanceOf(ForbiddenError);

    const leak = await postReply(veteran, thread.id, reply("Room 12 patient was confused.", veteranOrg.id));
    expect(await flagReply(readers[0]!, leak.id, "patient_data")).toEqual({ hidden: true });
    expect((await pb.collection("replies").getOne(leak.id)).status).toBe("hidden");
  }, 30_000);
});

describe("the moderators' queue of replies", () => {
  it("lists pending replies with why, and a live reply a fresh account reported; hiding and restoring take it through and out", async () => {
    const thread = await publishDiscussion();
    const held = await postReply(newcomer, thread.id, reply("Please wait for me.", newcomerOrg.id));
    const live = await postReply(veteran, thread.id, reply("Live, then reported.", veteranOrg.id));
    expect(await flagReply(newcomer, live.id, "offensive", "Rude")).toEqual({ hidden: false });
    const queue = await listRepliesToModerate(moderator);
    expect(queue.find((q) => q.id === held.id)).toMatchObject({ status: "pending", holdReasons: ["new_account"], postSlug: thread.slug });
    expect(queue.find((q) => q.id === live.id)).toMatchObject({ status: "published", flags: ["offensive"] });
    await hideReply(moderator, live.id, "Rude to another member");
    expect((await listRepliesToModerate(moderator)).find((q) => q.id === live.id)?.status).toBe("hidden");
    await restoreReply(moderator, live.id, "It was fair criticism");
    expect((await listRepliesToModerate(moderator)).some((q) => q.id === live.id)).toBe(false);
    await expect(listRepliesToModerate(newcomer)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("following a discussion", () => {
  it("its followers and its author hear of each published reply, never the replier; a held reply tells nobody but the moderators", async () => {
    const thread = await publishDiscussion();
    await follow(newcomer, { kind: "discussion", value: thread.slug }, "daily");
    await follow(veteran, { kind: "discussion", value: thread.slug }, "immediate");
    expect((await listFollows(newcomer)).find((f) => f.kind === "discussion")).toMatchObject({
      target: thread.id,
      href: `/posts/${thread.slug}`,
      public: true,
    });
    const before = { newcomer: (await notices(newcomer.id, "reply_published")).length, asker: (await notices(asker.id, "reply_published")).length };
    await postReply(veteran, thread.id, reply("A published reply for the followers.", veteranOrg.id));
    expect(await notices(newcomer.id, "reply_published")).toHaveLength(before.newcomer + 1);
    expect(await notices(asker.id, "reply_published")).toHaveLength(before.asker + 1);
    expect(await notices(veteran.id, "reply_published")).toEqual([]);
    // The newcomer's own (held) reply: no one but the moderators is told; once approved, the veteran (a follower) and the asker are.
    const held = await postReply(newcomer, thread.id, reply("Held for now.", newcomerOrg.id));
    expect(await notices(veteran.id, "reply_published")).toEqual([]);
    await approveReply(moderator, held.id);
    expect(await notices(veteran.id, "reply_published")).toHaveLength(1);
    expect(await notices(newcomer.id, "reply_published")).toHaveLength(before.newcomer + 1);
    // A draft or a case study is not a discussion one can follow.
    await expect(follow(newcomer, { kind: "discussion", value: "no-such-discussion" })).rejects.toBeInstanceOf(ValidationError);
  });
});
