// Issue 14 §2: attacks on replies, against the real site and PocketBase. What an attacker tries
// and what they must observe:
// - run script through a reply (script tag, event handler, javascript: link) → inert on the page;
// - unmask an anonymous replier from the thread, a quote of their reply or search → only the descriptor;
// - read a reply that waits for a moderator → only its author sees it;
// - reply to a draft or hidden discussion, or under a case study → refused, nothing stored;
// - edit, withdraw or mark as answer someone else's reply or question → 403, nothing changed.
import { parseHTML } from "linkedom";
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { approveReply, postReply } from "../../src/lib/server/discussions/replies.ts";
import { approvePost, claimPost, hidePost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
const TOKEN = `replyquux${letters(8)}`;

let pb: PocketBase;
let moderator: Actor;
let asker: Actor;
let askerLogin: { email: string; password: string };
let replier: Actor;
let replierLogin: { email: string; password: string };
let other: Actor;
let otherLogin: { email: string; password: string };
let replierOrg: { id: string; slug: string; name: string };
let thread: { id: string; slug: string };
let draftThread: { id: string; slug: string };
let hiddenThread: { id: string; slug: string };
let caseStudy: { id: string; slug: string };
let anonymousReply: string;
let namedReply: string;
let pendingText: string;

function discussion(orgId: string, title: string) {
  return {
    kind: "discussion",
    organization: orgId,
    title,
    body_md: `Who signs off an AI pilot? ${TOKEN}`,
    language: "en",
    tags: "dpo",
    anonymous: false,
    care_settings: ["hospital"],
    ai_types: ["llm"],
    about: "",
  };
}

async function publish(author: Actor, input: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const { id } = await saveDraft(author, input);
  await submitPost(author, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return { id, slug: (await pb.collection("posts").getOne(id)).slug };
}

const reply = (body: string, organization: string, anonymous = false) => ({ body, language: "en", organization, anonymous });

beforeAll(async () => {
  pb = await useTestPocketBase();
  const u = letters(6);
  const [mod, a, r, o, e] = await Promise.all([
    createUser(pb, { role: "moderator" }),
    createUser(pb, { name: `Asker ${u}` }),
    createUser(pb, { name: `Renée ${u} Vandamme` }),
    createUser(pb, { name: `Other ${u}` }),
    createUser(pb),
  ]);
  [askerLogin, replierLogin, otherLogin] = [a, r, o];
  moderator = (await loadActor(mod.id))!;
  const askerOrg = await createOrganization(pb, [
    { userId: a.id, role: "member" },
    { userId: e.id, role: "editor" },
  ]);
  replierOrg = await createOrganization(pb, [{ userId: r.id, role: "member" }], { kind: "care_home", region: "brussels", name: `Résidence Mirabelle ${u}` });
  await createOrganization(pb, [{ userId: o.id, role: "member" }]);
  const actors = (await Promise.all([a, r, o].map((x) => loadActor(x.id)))) as Actor[];
  [asker, replier, other] = [actors[0]!, actors[1]!, actors[2]!];
  const editor = (await loadActor(e.id))!;
  thread = await publish(asker, discussion(askerOrg.id, `Who signs off ${u}?`));
  hiddenThread = await publish(asker, discussion(askerOrg.id, `Soon hidden ${u}`));
  await hidePost(moderator, hiddenThread.id, "Hidden for the test");
  const saved = await saveDraft(asker, discussion(askerOrg.id, `Draft question ${u}`));
  draftThread = { id: saved.id, slug: saved.slug };
  caseStudy = await publish(editor, {
    kind: "case_study",
    organization: askerOrg.id,
    title: `A case study ${u}`,
    summary: "A case study that takes no replies.",
    body_md: "## Context\n\nThis case study takes no replies: readers start a discussion about it instead.",
    language: "en",
    tags: "triage",
    anonymous: false,
    outcome: "partial",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "pilot",
  });
  // The replier's replies wait (new account) and a moderator approves them: one named, one pseudonymous, one hostile.
  const named = await postReply(replier, thread.id, reply(`We ask our DPO first. ${TOKEN}`, replierOrg.id));
  await approveReply(moderator, named.id);
  namedReply = named.id;
  const anon = await postReply(replier, thread.id, reply(`Pseudonymously: our board decides. ${TOKEN}`, replierOrg.id, true));
  await approveReply(moderator, anon.id);
  anonymousReply = anon.id;
  const hostile = await postReply(
    replier,
    thread.id,
    reply(
      `<script>alert(document.cookie)</script>\n\n<img src=x onerror=alert(1)> [click me](javascript:alert(1)) <iframe src="https://evil.example"></iframe>`,
      replierOrg.id,
    ),
  );
  await approveReply(moderator, hostile.id);
  // Another member quotes the pseudonymous reply; their reply waits for a moderator.
  pendingText = `Still waiting ${letters(10)}`;
  await postReply(other, thread.id, { ...reply(pendingText, other.memberships[0]!.organizationId), in_reply_to: anonymousReply });
  // Wait until the site's own search worker indexed the thread with its replies.
  const visitor = new Client();
  for (let i = 0; ; i++) {
    const body = (await (await visitor.fetch(`/api/search?q=${encodeURIComponent("board decides")}&per_page=50`)).json()) as { hits: { slug: string }[] };
    if (body.hits.some((h) => h.slug === thread.slug)) break;
    if (i > 150) throw new Error("search never found the thread by its reply");
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

describe("a reply's script never runs", () => {
  it("the thread's page keeps no script, handler, frame or javascript: link from a reply", async () => {
    const html = await (await new Client().fetch(`/en/posts/${thread.slug}`)).text();
    const { document } = parseHTML(html);
    const replyNode = document.querySelector(`#reply-${namedReply}`)?.parentElement;
    expect(replyNode?.textContent).toContain("We ask our DPO first.");
    const thread_ = document.querySelector(".thread")!;
    expect(thread_.querySelectorAll("script, iframe")).toHaveLength(0);
    for (const el of thread_.querySelectorAll("*")) {
      for (const attr of el.attributes) expect(attr.name.startsWith("on"), `${el.tagName} ${attr.name}`).toBe(false);
    }
    for (const a of thread_.querySelectorAll("a")) expect(a.getAttribute("href") ?? "").not.toMatch(/^\s*javascript:/i);
    expect(thread_.textContent).toContain("click me");
  });
});

describe("an anonymous replier stays hidden", () => {
  const secrets = () => [replierOrg.name, replierOrg.slug, replierOrg.id, replier.name, replier.id, replier.email];
  type Surface = Scenario<{ path: () => string; as: "visitor" | "other" }, { part: (body: string) => string }>;
  const surfaces: Surface[] = [
    {
      name: "the reply on the thread, to a visitor",
      actor: "visitor",
      request: { path: () => `/en/posts/${thread.slug}`, as: "visitor" },
      expected: { part: (body) => parseHTML(body).document.querySelector(`#reply-${anonymousReply}`)?.outerHTML ?? "missing" },
    },
    {
      name: "the reply on the thread, to a signed-in member",
      actor: "other member",
      request: { path: () => `/en/posts/${thread.slug}`, as: "other" },
      expected: { part: (body) => parseHTML(body).document.querySelector(`#reply-${anonymousReply}`)?.outerHTML ?? "missing" },
    },
    {
      name: "a quote of the reply in the reply form",
      actor: "other member",
      request: { path: () => `/en/posts/${thread.slug}?quote=${anonymousReply}`, as: "other" },
      expected: { part: (body) => parseHTML(body).document.querySelector("#reply-form blockquote")?.outerHTML ?? "missing" },
    },
    {
      name: "the search hit its words find",
      actor: "visitor",
      request: { path: () => `/api/search?q=${encodeURIComponent("board decides")}&per_page=50`, as: "visitor" },
      expected: { part: (body) => JSON.stringify((JSON.parse(body) as { hits: { slug: string }[] }).hits.find((h) => h.slug === thread.slug) ?? "missing") },
    },
  ];
  it.each(surfaces.map((s) => [s.name, s] as const))("%s", async (_name, scenario) => {
    const client = scenario.request.as === "other" ? await new Client().signIn(otherLogin.email, otherLogin.password) : new Client();
    const res = await client.fetch(scenario.request.path());
    expect(res.status).toBe(200);
    const part = scenario.expected.part(await res.text());
    expect(part).not.toBe("missing");
    expect(part).not.toContain('"missing"');
    for (const secret of secrets()) expect(part, secret).not.toContain(secret);
  });

  it("the named reply by the same person does name its organisation (so the test can tell)", async () => {
    const html = await (await new Client().fetch(`/en/posts/${thread.slug}`)).text();
    expect(parseHTML(html).document.querySelector(`#reply-${namedReply}`)?.textContent).toContain(replierOrg.name);
  });

  it("no page carries the repliers' account ids", async () => {
    const html = await (await new Client().fetch(`/en/posts/${thread.slug}`)).text();
    expect(html).not.toContain(replier.id);
    expect(html).not.toContain(other.id);
  });
});

describe("a reply that waits is its author's only", () => {
  it.each([
    ["a visitor", null],
    ["the asker", "asker"],
  ] as const)("%s does not see it", async (_name, who) => {
    const client = who === "asker" ? await new Client().signIn(askerLogin.email, askerLogin.password) : new Client();
    expect(await (await client.fetch(`/en/posts/${thread.slug}`)).text()).not.toContain(pendingText);
  });
  it("its author sees it with why it waits", async () => {
    const client = await new Client().signIn(otherLogin.email, otherLogin.password);
    const html = await (await client.fetch(`/en/posts/${thread.slug}`)).text();
    expect(html).toContain(pendingText);
    expect(html).toContain("Your first three replies are read by a moderator first.");
  });
});

describe("what an attacker tries", () => {
  const count = async (postId: string) => (await pb.collection("replies").getFullList({ filter: pb.filter("post = {:p}", { p: postId }) })).length;
  it.each([
    ["a draft discussion", () => draftThread.id],
    ["a hidden discussion", () => hiddenThread.id],
    ["a case study", () => caseStudy.id],
  ] as const)("replying to %s is refused and stores nothing", async (_name, id) => {
    const client = await new Client().signIn(otherLogin.email, otherLogin.password);
    const res = await client.form(`/en/posts/${thread.slug}?_action=postReply`, {
      postId: id(),
      body: "Sneaking in.",
      language: "en",
      organization: other.memberships[0]!.organizationId,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This discussion does not take replies: it is not published.");
    expect(await count(id())).toBe(0);
  });

  it("the author of a pseudonymous question cannot reply under it by their organisation's name (it would say who asked); nothing is stored", async () => {
    const hidden = await publish(asker, { ...discussion(asker.memberships[0]!.organizationId, `Asked pseudonymously ${letters(6)}`), anonymous: true });
    const client = await new Client().signIn(askerLogin.email, askerLogin.password);
    const res = await client.form(`/en/posts/${hidden.slug}?_action=postReply`, {
      postId: hidden.id,
      body: "Thanks all, we will try that on our wards.",
      language: "en",
      organization: asker.memberships[0]!.organizationId,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("a reply under its name would tell readers who wrote it");
    expect(await count(hidden.id)).toBe(0);
  });

  type Attack = Scenario<{ action: string; fields: () => Record<string, string> }, { status: number; unchanged: () => Promise<void> }>;
  const attacks: Attack[] = [
    {
      name: "editing someone else's reply",
      actor: "other member",
      request: { action: "editReply", fields: () => ({ replyId: namedReply, body: "Hijacked text" }) },
      expected: { status: 403, unchanged: async () => expect((await pb.collection("replies").getOne(namedReply)).body_md).not.toContain("Hijacked") },
    },
    {
      name: "withdrawing someone else's reply",
      actor: "other member",
      request: { action: "withdrawReply", fields: () => ({ replyId: namedReply }) },
      expected: { status: 403, unchanged: async () => expect((await pb.collection("replies").getOne(namedReply)).status).toBe("published") },
    },
    {
      name: "marking the answer to someone else's question",
      actor: "other member",
      request: { action: "markAnswer", fields: () => ({ postId: thread.id, replyId: namedReply }) },
      expected: { status: 403, unchanged: async () => expect((await pb.collection("posts").getOne(thread.id)).accepted_reply).toBe("") },
    },
    {
      name: "a member approving a reply",
      actor: "other member",
      request: { action: "moderateReply", fields: () => ({ replyId: namedReply, decision: "hide", note: "Taking it offline" }) },
      expected: { status: 403, unchanged: async () => expect((await pb.collection("replies").getOne(namedReply)).status).toBe("published") },
    },
    {
      name: "locking someone's discussion",
      actor: "other member",
      request: { action: "setThreadSettings", fields: () => ({ postId: thread.id, locked: "on", slow_mode_minutes: "0" }) },
      expected: { status: 403, unchanged: async () => expect((await pb.collection("posts").getOne(thread.id)).locked).toBe(false) },
    },
  ];
  it.each(attacks.map((a) => [a.name, a] as const))("%s is refused and changes nothing", async (_name, attack) => {
    const client = await new Client().signIn(otherLogin.email, otherLogin.password);
    const res = await client.form(`/en/posts/${thread.slug}?_action=${attack.request.action}`, attack.request.fields());
    expect(res.status).toBe(attack.expected.status);
    await attack.expected.unchanged();
  });
});
