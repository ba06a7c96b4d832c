// Issue 14 §4: attacks on a round table's published summary, against the real site and
// PocketBase. What an attacker tries and what they must observe:
// - unmask a participant that refused to be named, from any public surface (the summary's page
//   and its head metadata, search API and page, feeds, the organisation pages, /round-tables and
//   the round table's page): it appears only by its descriptor;
// - answer the naming request of another organisation (a fellow participant, the host, a visitor);
// - read a summary (and so who took part) before it is approved;
// - slip a refusing participant's name into the text after publication: the edit cannot be approved.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { answerNamingRequest } from "../../src/lib/server/roundtables/summaries.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
// Letters only, so the search engine tokenises it as one word.
const TOKEN = `tablerond${letters(8)}`;
// The refusing organisation's own word: searching for it must find nothing of the summary.
const R_WORD = `discretion${letters(8)}`;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ");

let pb: PocketBase;
let moderator: Actor;
let editor: Actor;
let host: { id: string; slug: string; name: string };
// C consents to be named; R (a mental-health service in Wallonia) refuses.
let C: { org: { id: string; slug: string; name: string }; admin: Actor; login: { email: string; password: string } };
let R: { org: { id: string; slug: string; name: string }; admin: Actor; login: { email: string; password: string }; participant: string };
let table: { id: string; slug: string };
let published: { id: string; slug: string };
let pending: { id: string; slug: string };

async function roundTable(title: string): Promise<{ id: string; slug: string }> {
  const slug = `rt-${letters(10)}`;
  const t = await pb
    .collection("round_tables")
    .create({ slug, title, host: host.id, created_by: editor.id, status: "open", chatham_house: false, languages: ["en"] });
  const start = Date.now() - 72 * HOUR;
  await pb
    .collection("round_table_sessions")
    .create({ round_table: t.id, starts_at: iso(start), ends_at: iso(start + 2 * HOUR), time_zone: "Europe/Brussels" });
  for (const org of [C.org, R.org])
    await pb.collection("round_table_participants").create({ round_table: t.id, organization: org.id, status: "accepted", named_in_summary: "not_asked" });
  return { id: t.id, slug };
}

function summary(slug: string, title: string, body = `## What was discussed\n\nHow nurses check a triage chatbot's advice. ${TOKEN}`) {
  return {
    kind: "round_table_summary",
    organization: host.id,
    round_table: slug,
    title,
    summary: "Participants compared triage chatbot pilots and agreed on what to measure first.",
    body_md: body,
    language: "en",
    tags: "triage",
    anonymous: false,
    care_settings: ["hospital"],
    ai_types: ["llm"],
  };
}

async function participantId(tableId: string, orgId: string): Promise<string> {
  return (await pb.collection("round_table_participants").getFirstListItem(pb.filter("round_table = {:t} && organization = {:o}", { t: tableId, o: orgId })))
    .id;
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const u = letters(6);
  const [mod, ed, c, r] = await Promise.all([createUser(pb, { role: "moderator" }), createUser(pb), createUser(pb), createUser(pb)]);
  moderator = (await loadActor(mod.id))!;
  host = await createOrganization(pb, [{ userId: ed.id, role: "editor" }], { name: `Hopital Hote ${u}` });
  editor = (await loadActor(ed.id))!;
  const orgC = await createOrganization(pb, [{ userId: c.id, role: "admin" }], { name: `Zorgnet Consent ${u}` });
  const orgR = await createOrganization(pb, [{ userId: r.id, role: "admin" }], {
    name: `Centre Discretion ${R_WORD}`,
    kind: "mental_health",
    region: "wallonia",
  });
  C = { org: orgC, admin: (await loadActor(c.id))!, login: c };
  R = { org: orgR, admin: (await loadActor(r.id))!, login: r, participant: "" };

  table = await roundTable(`Triage chatbots round table ${u}`);
  const { id } = await saveDraft(editor, summary(table.slug, `What we learnt about triage chatbots ${u}`));
  await submitPost(editor, id);
  await answerNamingRequest(C.admin, await participantId(table.id, C.org.id), "grant");
  R.participant = await participantId(table.id, R.org.id);
  await answerNamingRequest(R.admin, R.participant, "refuse");
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  published = { id, slug: (await pb.collection("posts").getOne(id)).slug };

  // A second summary, submitted but not approved: nothing of it is public.
  const other = await roundTable(`Unpublished round table ${u}`);
  const saved = await saveDraft(editor, summary(other.slug, `Summary still in review ${u}`));
  await submitPost(editor, saved.id);
  pending = { id: saved.id, slug: (await pb.collection("posts").getOne(saved.id)).slug };

  // Wait until the site's own search worker indexed the published summary.
  const visitor = new Client();
  for (let i = 0; ; i++) {
    const body = (await (await visitor.fetch(`/api/search?q=${TOKEN}&per_page=50`)).json()) as { total: number };
    if (body.total >= 1) break;
    if (i > 150) throw new Error("search never found the summary");
    await new Promise((res) => setTimeout(res, 100));
  }
});

describe("a participant that refused to be named stays unnamed", () => {
  const secrets = () => [R.org.name, R.org.slug, R.org.id, R.admin.name, R.admin.email];
  type Surface = Scenario<{ path: () => string }, { status: number; contains?: () => string[]; lacks?: () => string[]; ownPage?: boolean }>;
  const surfaces: Surface[] = [
    {
      name: "the summary's page (body, head metadata, participants)",
      actor: "visitor",
      request: { path: () => `/en/posts/${published.slug}` },
      expected: { status: 200, contains: () => [C.org.name, `/en/organizations/${C.org.slug}`] },
    },
    {
      name: "search API",
      actor: "visitor",
      request: { path: () => `/api/search?q=${TOKEN}&per_page=50` },
      expected: { status: 200, contains: () => [published.slug] },
    },
    { name: "search page", actor: "visitor", request: { path: () => `/en/search?q=${TOKEN}` }, expected: { status: 200, contains: () => [published.slug] } },
    {
      name: "search for the refusing organisation's name",
      actor: "visitor",
      request: { path: () => `/api/search?q=${R_WORD}&per_page=50` },
      expected: { status: 200, lacks: () => [published.slug] },
    },
    { name: "home feed (Atom)", actor: "visitor", request: { path: () => "/en/feeds/home.atom" }, expected: { status: 200, contains: () => [published.slug] } },
    { name: "home feed (JSON)", actor: "visitor", request: { path: () => "/en/feeds/home.json" }, expected: { status: 200, contains: () => [published.slug] } },
    {
      name: "the refusing organisation's page",
      actor: "visitor",
      request: { path: () => `/en/organizations/${R.org.slug}` },
      // Its own page names it, of course: what must not be there is the summary it refused to be named in.
      expected: { status: 200, lacks: () => [published.slug, table.slug], ownPage: true },
    },
    {
      name: "the consenting organisation's page lists it",
      actor: "visitor",
      request: { path: () => `/en/organizations/${C.org.slug}` },
      expected: { status: 200, contains: () => [published.slug] },
    },
    { name: "/round-tables", actor: "visitor", request: { path: () => "/en/round-tables" }, expected: { status: 200 } },
    { name: "the round table's page", actor: "visitor", request: { path: () => `/en/round-tables/${table.slug}` }, expected: { status: 200 } },
  ];

  it.each(surfaces.map((s) => [s.name, s] as const))("%s", async (_name, scenario) => {
    const res = await new Client().fetch(scenario.request.path());
    expect(res.status).toBe(scenario.expected.status);
    const body = await res.text();
    for (const text of scenario.expected.contains?.() ?? []) expect(body).toContain(text);
    for (const text of scenario.expected.lacks?.() ?? []) expect(body).not.toContain(text);
    if (!scenario.expected.ownPage) for (const secret of secrets()) expect(body, secret).not.toContain(secret);
  });

  it("the summary's page shows the refusing participant by its descriptor", async () => {
    const body = await (await new Client().fetch(`/en/posts/${published.slug}`)).text();
    const participants = body.slice(body.indexOf('class="participants"'));
    expect(participants).toMatch(/<li class="described"[^>]*>[^<]+<\/li>/);
  });
});

describe("what an attacker tries", () => {
  it("a fellow participant's admin cannot answer the refusing organisation's request over HTTP", async () => {
    const client = await new Client().signIn(C.login.email, C.login.password);
    const res = await client.form("/en/dashboard/summary-consent?_action=answerNamingRequest", { participantId: R.participant, answer: "grant" });
    expect(res.status).toBe(403);
    expect((await pb.collection("round_table_participants").getOne(R.participant)).named_in_summary).toBe("refused");
    const page = await (await new Client().fetch(`/en/posts/${published.slug}`)).text();
    expect(page).not.toContain(R.org.name);
  });

  it("a visitor cannot answer, and is sent to sign in", async () => {
    const res = await new Client().form("/en/dashboard/summary-consent?_action=answerNamingRequest", { participantId: R.participant, answer: "grant" });
    expect([302, 303, 401, 403]).toContain(res.status);
    expect((await pb.collection("round_table_participants").getOne(R.participant)).named_in_summary).toBe("refused");
  });

  it("another organisation's admin does not see the refusing organisation's request on their consent page", async () => {
    const client = await new Client().signIn(C.login.email, C.login.password);
    const body = await (await client.fetch("/en/dashboard/summary-consent")).text();
    expect(body).toContain(C.org.name);
    expect(body).not.toContain(R.participant);
    expect(body).not.toContain(R.org.name);
  });

  it("a summary in review is not public: no page, no search hit", async () => {
    expect((await new Client().fetch(`/en/posts/${pending.slug}`)).status).toBe(404);
    const hits = (await (await new Client().fetch(`/api/search?q=${encodeURIComponent("Summary still in review")}&per_page=50`)).json()) as {
      hits: { slug: string }[];
    };
    expect(hits.hits.map((h) => h.slug)).not.toContain(pending.slug);
  });

  it("the host cannot name the refusing organisation in an edit of the published summary: the revision cannot be approved", async () => {
    await saveDraft(
      editor,
      { ...summary(table.slug, "What we learnt about triage chatbots", `## What was discussed\n\n${R.org.name} said nurses ignore the chatbot.`) },
      published.id,
    );
    await submitPost(editor, published.id);
    await claimPost(moderator, published.id);
    const refused = await approvePost(moderator, published.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    const page = await (await new Client().fetch(`/en/posts/${published.slug}`)).text();
    expect(page).not.toContain(R.org.name);
  });
});
