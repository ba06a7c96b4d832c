// Issue 14 §1, §5: attacks on discussions, against the real site and PocketBase. Each scenario
// is what an attacker tries and what they must observe:
// - unmask the organisation behind a pseudonymous discussion from any public surface (its page,
//   /discussions and its organisation-kind filter, search, feeds, "Discussed in" on the case study
//   it is about), including by narrowing /discussions to the organisation's real kind when its
//   descriptor was coarsened;
// - link a named record to a pseudonymous one through "about";
// - run script through the question or the title;
// - read a discussion before it is approved;
// - write as someone else: an editor takes over a plain member's discussion, a plain member writes
//   a case study, or a filter value tries to widen the PocketBase query.
import { parseHTML } from "linkedom";
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
// Letters only, so both search engines tokenise it as one word.
const TOKEN = `quovadix${letters(8)}`;

let pb: PocketBase;
let moderator: Actor;
// M: a mental-health service in Wallonia (a group too small for its finest descriptor), whose
// plain member asks pseudonymously; C: a named hospital with a published case study.
let M: {
  org: { id: string; slug: string; name: string };
  member: Actor;
  memberLogin: { email: string; password: string };
  editorLogin: { id: string; email: string; password: string };
};
let C: { org: { id: string; slug: string; name: string }; editor: Actor; caseSlug: string; caseId: string };
let anonymous: { id: string; slug: string };
let draft: { id: string; slug: string };
let hostile: { id: string; slug: string };

function discussion(orgId: string, title: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "discussion",
    organization: orgId,
    title,
    body_md: `How do you involve your DPO before an AI pilot starts? ${TOKEN}`,
    language: "en",
    tags: "dpo",
    anonymous: false,
    care_settings: ["mental_health"],
    ai_types: ["llm"],
    about: "",
    ...overrides,
  };
}

async function publish(author: Actor, input: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const { id } = await saveDraft(author, input);
  await submitPost(author, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return { id, slug: (await pb.collection("posts").getOne(id)).slug };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const u = letters(6);
  const [mod, member, editorM, editorC] = await Promise.all([
    createUser(pb, { role: "moderator" }),
    createUser(pb, { name: `Wannes ${u} Verhulst` }),
    createUser(pb, { name: `Ilse ${u} Dewaele` }),
    createUser(pb, { name: `Bart ${u} Goossens` }),
  ]);
  moderator = (await loadActor(mod.id))!;
  const orgM = await createOrganization(
    pb,
    [
      { userId: member.id, role: "member" },
      { userId: editorM.id, role: "editor" },
    ],
    { kind: "mental_health", region: "wallonia", name: `Centre Ombrelune ${u}` },
  );
  M = { org: orgM, member: (await loadActor(member.id))!, memberLogin: member, editorLogin: editorM };
  const orgC = await createOrganization(pb, [{ userId: editorC.id, role: "editor" }], { name: `Hôpital Clairval ${u}` });
  const editor = (await loadActor(editorC.id))!;
  const { id: caseId } = await saveDraft(editor, {
    kind: "case_study",
    organization: orgC.id,
    title: `Triage model for the emergency department ${u}`,
    summary: "A triage model ranked emergency patients; nurses kept their own order in the end.",
    body_md: "## Context\n\nThe model ranked patients every ten minutes.\n\n## What happened\n\nNurses overrode it.",
    language: "en",
    tags: "triage",
    anonymous: false,
    outcome: "partial",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "pilot",
  });
  await submitPost(editor, caseId);
  await claimPost(moderator, caseId);
  await approvePost(moderator, caseId);
  C = { org: orgC, editor, caseId, caseSlug: (await pb.collection("posts").getOne(caseId)).slug };

  anonymous = await publish(M.member, discussion(M.org.id, `Pseudonymous question on DPO sign-off ${u}`, { anonymous: true, about: C.caseSlug }));
  hostile = await publish(
    M.member,
    discussion(M.org.id, `<img src=x onerror=alert(1)> ${u}`, {
      body_md: `<script>alert(document.cookie)</script>\n\n[click me](javascript:alert(1)) <iframe src="https://evil.example"></iframe> ${TOKEN}`,
    }),
  );
  const saved = await saveDraft(M.member, discussion(M.org.id, `Unapproved draft question ${u}`, { about: C.caseSlug }));
  draft = { id: saved.id, slug: saved.slug };
  // Wait until the site's own search worker indexed both published discussions.
  const visitor = new Client();
  for (let i = 0; ; i++) {
    const body = (await (await visitor.fetch(`/api/search?q=${TOKEN}&per_page=50`)).json()) as { total: number };
    if (body.total >= 2) break;
    if (i > 150) throw new Error(`search never found the discussions (found ${body.total} of 2)`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

describe("an anonymous discussion's organisation stays hidden", () => {
  const secrets = () => [M.org.name, M.org.slug, M.org.id, M.member.name, M.member.id, M.member.email];
  // Built lazily: the table is read when the tests are collected, before beforeAll publishes anything.
  type Surface = Scenario<{ path: () => string }, { status: number; contains?: () => string[]; lacks?: () => string[] }>;
  const surfaces: Surface[] = [
    {
      name: "its page",
      actor: "visitor",
      request: { path: () => `/en/posts/${anonymous.slug}` },
      expected: { status: 200, contains: () => ["Pseudonymous question on DPO"] },
    },
    {
      name: "/discussions",
      actor: "visitor",
      request: { path: () => "/en/discussions" },
      expected: { status: 200, contains: () => [`/en/posts/${anonymous.slug}`] },
    },
    // Narrowing by the organisation's real kind: its descriptor was coarsened (too few mental-health services in Wallonia), so it is not listed.
    {
      name: "/discussions?org_kind=mental_health",
      actor: "visitor",
      request: { path: () => "/en/discussions?org_kind=mental_health" },
      expected: { status: 200, lacks: () => [`/en/posts/${anonymous.slug}`] },
    },
    {
      name: "search API",
      actor: "visitor",
      request: { path: () => `/api/search?q=${TOKEN}&per_page=50` },
      expected: { status: 200, contains: () => [anonymous.slug] },
    },
    { name: "search page", actor: "visitor", request: { path: () => `/en/search?q=${TOKEN}` }, expected: { status: 200, contains: () => [anonymous.slug] } },
    {
      name: "search page, org_kind facet",
      actor: "visitor",
      request: { path: () => `/en/search?q=${TOKEN}&org_kind=mental_health` },
      expected: { status: 200, lacks: () => [anonymous.slug] },
    },
    { name: "home feed (Atom)", actor: "visitor", request: { path: () => "/en/feeds/home.atom" }, expected: { status: 200, contains: () => [anonymous.slug] } },
    {
      name: "tag feed (JSON)",
      actor: "visitor",
      request: { path: () => "/en/feeds/tags/dpo.json" },
      expected: { status: 200, contains: () => [anonymous.slug] },
    },
    {
      name: "the organisation's page",
      actor: "visitor",
      request: { path: () => `/en/organizations/${M.org.slug}` },
      expected: { status: 200, lacks: () => [anonymous.slug] },
    },
    {
      name: "'Discussed in' on the case study",
      actor: "visitor",
      request: { path: () => `/en/posts/${C.caseSlug}` },
      expected: { status: 200, contains: () => [`/en/posts/${anonymous.slug}`] },
    },
  ];

  it.each(surfaces.map((s) => [s.name, s] as const))("%s", async (_name, scenario) => {
    const path = scenario.request.path();
    const res = await new Client().fetch(path);
    expect(res.status).toBe(scenario.expected.status);
    const body = await res.text();
    for (const text of scenario.expected.contains?.() ?? []) expect(body).toContain(text);
    for (const text of scenario.expected.lacks?.() ?? []) expect(body).not.toContain(text);
    // Feeds and lists hold other posts too (the organisation's named discussion among them): judge the part about this discussion.
    const part = path.includes("/feeds/")
      ? (body.split(/<entry>|"id":/).find((e) => e.includes(anonymous.slug)) ?? "")
      : path.startsWith("/api/search")
        ? JSON.stringify((JSON.parse(body) as { hits: { slug: string }[] }).hits.find((h) => h.slug === anonymous.slug))
        : path.startsWith("/en/discussions") || path.startsWith("/en/search") || path === `/en/posts/${C.caseSlug}` || path.startsWith("/en/organizations/")
          ? (body.split("<li").find((e) => e.includes(anonymous.slug)) ?? "")
          : body;
    for (const secret of secrets()) expect(part, secret).not.toContain(secret);
  });
});

describe("what an attacker tries", () => {
  it("a named discussion about its own organisation's pseudonymous post is refused (it would name it)", async () => {
    const client = await new Client().signIn(M.memberLogin.email, M.memberLogin.password);
    const res = await client.form("/en/write?_action=savePost", {
      kind: "discussion",
      organization: M.org.id,
      title: "Our pseudonymous discussion, named",
      body_md: "Linking our named account to the pseudonymous discussion above.",
      language: "en",
      about: anonymous.slug,
      intent: "save",
    });
    // `about` only takes case studies and funding records; a discussion is refused like any unknown address.
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("is not a published case study or funding record");
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: "Our pseudonymous discussion, named" }) })).totalItems).toBe(0);
  });

  it("a plain member cannot find out which pseudonymous case study is their own organisation's through 'about', nor does the public see such a link", async () => {
    // A pseudonymous case study of M (written by its editor; the plain member cannot see M's posts) and one of C.
    const pseudonymousCase = async (author: Actor, orgId: string, title: string) =>
      publish(author, {
        kind: "case_study",
        organization: orgId,
        title,
        summary: "A sepsis alert fired too often; the ward switched it off after two months.",
        body_md: "## Context\n\nThe alert fired every hour.\n\n## What happened\n\nNurses ignored it.",
        language: "en",
        tags: "sepsis",
        anonymous: true,
        outcome: "failure",
        care_settings: ["hospital"],
        ai_types: ["predictive_model"],
        lifecycle_stage: "pilot",
      });
    const u = letters(6);
    const ours = await pseudonymousCase((await loadActor(M.editorLogin.id))!, M.org.id, `Sepsis alert switched off ${u}`);
    const theirs = await pseudonymousCase(C.editor, C.org.id, `Sepsis alert ignored ${u}`);
    const member = await new Client().signIn(M.memberLogin.email, M.memberLogin.password);
    const ask = (about: string, title: string) =>
      member.form("/en/write?_action=savePost", {
        kind: "discussion",
        organization: M.org.id,
        title,
        body_md: "How did you get the nurses to trust the alert again after the first weeks?",
        language: "en",
        about,
        intent: "save",
      });
    const [a, b] = [await ask(ours.slug, `Probe ours ${u}`), await ask(theirs.slug, `Probe theirs ${u}`)];
    // The same answer for both: saved, no refusal to tell them apart.
    expect([a.status, b.status]).toEqual([b.status, a.status]);
    expect(a.status).toBe(303);
    const saved = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: `Probe ours ${u}` }));
    expect(saved.about).toEqual([ours.id]);
    // Approved (a moderator is told the link stays private), the public sees no link either way.
    await submitPost(M.member, saved.id);
    await claimPost(moderator, saved.id);
    await approvePost(moderator, saved.id);
    const visitor = new Client();
    const page = await (await visitor.fetch(`/en/posts/${saved.slug}`)).text();
    expect(page).toContain(`Probe ours ${u}`);
    expect(page).not.toContain(ours.slug);
    expect(page).not.toContain("Sepsis alert switched off");
    const casePage = await (await visitor.fetch(`/en/posts/${ours.slug}`)).text();
    expect(casePage).toContain("Sepsis alert switched off");
    expect(casePage).not.toContain(saved.slug);
    expect(await (await visitor.fetch(`/api/posts/${saved.slug}`)).text()).not.toContain(ours.slug);
  });

  it("a funder's named discussion of its own decision that anonymises the applicant is linked, and names the applicant nowhere", async () => {
    const u = letters(6);
    const [fe, aa] = await Promise.all([createUser(pb, { name: `Fien ${u} Claes` }), createUser(pb)]);
    const funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", region: "brussels", name: `Fonds Noordzee ${u}` });
    const applicant = await createOrganization(pb, [{ userId: aa.id, role: "admin" }], { name: `AZ Zonnedauw ${u}` });
    const funderEditor = (await loadActor(fe.id))!;
    const { slug: callSlug } = await saveCall(funderEditor, funder.id, {
      title: `Remote monitoring call ${u}`,
      description: "A call for AI projects in remote monitoring at home.",
      status: "closed",
    });
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }));
    await recordDecisions(funderEditor, call.id, [
      {
        title: `Fall detection refused ${u}`,
        applicantType: "platform",
        applicant: applicant.slug,
        amountRequested: 90000,
        decision: "rejected",
        decidedOn: "2026-03-31",
        rejectionReasons: ["eligibility"],
      },
    ]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("call = {:c}", { c: call.id }));
    await answerConsent((await loadActor(aa.id))!, record.id, "anonymise");
    await claimPost(moderator, record.id);
    await approvePost(moderator, record.id);

    const editor = await new Client().signIn(fe.email, fe.password);
    const ask = (title: string, anonymous: boolean) =>
      editor.form("/en/write?_action=savePost", {
        kind: "discussion",
        organization: funder.id,
        title,
        body_md: "What would have made these applications fundable? We refused most of them for the same reason.",
        language: "en",
        about: record.slug,
        ...(anonymous ? { anonymous: "on" } : {}),
        intent: "save",
      });
    // Pseudonymous, the record's funder name would name it: refused, nothing stored.
    const refused = await ask(`Pseudonymous funder question ${u}`, true);
    expect(refused.status).toBe(400);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: `Pseudonymous funder question ${u}` }) })).totalItems).toBe(0);
    expect((await ask(`Named funder question ${u}`, false)).status).toBe(303);
    const saved = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: `Named funder question ${u}` }));
    await submitPost(funderEditor, saved.id);
    await claimPost(moderator, saved.id);
    await approvePost(moderator, saved.id);

    const visitor = new Client();
    const pages = [
      await (await visitor.fetch(`/en/posts/${saved.slug}`)).text(),
      await (await visitor.fetch(`/en/posts/${record.slug}`)).text(),
      await (await visitor.fetch(`/api/posts/${saved.slug}`)).text(),
      await (await visitor.fetch(`/api/posts/${record.slug}`)).text(),
    ];
    // Linked both ways…
    expect(pages[0]).toContain(`/en/posts/${record.slug}`);
    expect(pages[1]).toContain(`/en/posts/${saved.slug}`);
    // …and the applicant is named nowhere.
    for (const page of pages) {
      expect(page).not.toContain(applicant.name);
      expect(page).not.toContain(applicant.slug);
    }
  });

  // Parsed as a browser would: in a quoted attribute (the meta description) "<script>" is text, so the
  // question is what elements and attributes the document really has.
  const dangerous = (html: string) => {
    const { document } = parseHTML(html);
    const found: string[] = [];
    for (const el of document.querySelectorAll("script, iframe, object, embed, img")) found.push(el.outerHTML.slice(0, 80));
    for (const el of document.querySelectorAll("*"))
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) found.push(`${el.tagName} ${attr.name}`);
        if (/^\s*javascript:/i.test(attr.value)) found.push(`${el.tagName} ${attr.name}=${attr.value}`);
      }
    return found;
  };

  it.each([
    ["its page", () => `/en/posts/${hostile.slug}`],
    ["/discussions", () => "/en/discussions"],
    ["the organisation's page", () => `/en/organizations/${M.org.slug}`],
  ])("script in the title or the question never runs: %s", async (_name, path) => {
    const res = await new Client().fetch(path());
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(dangerous(body)).toEqual([]);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'none'");
  });

  it.each([
    ["its address", () => `/en/posts/${draft.slug}`, 404, [] as string[]],
    ["/discussions", () => "/en/discussions", 200, ["Unapproved draft question"]],
    ["'Discussed in' on the case study it is about", () => `/en/posts/${C.caseSlug}`, 200, ["Unapproved draft question"]],
    ["the search API", () => `/api/search?q=unapproved+draft+question&per_page=50`, 200, [] as string[]],
  ])("a discussion not yet approved is not public: %s", async (_name, path, status, lacks) => {
    const res = await new Client().fetch(path());
    expect(res.status).toBe(status);
    const body = await res.text();
    for (const text of [...lacks, draft.slug]) expect(body).not.toContain(text);
  });

  it("an editor of the organisation cannot take over or submit a plain member's discussion", async () => {
    const editor = await new Client().signIn(M.editorLogin.email, M.editorLogin.password);
    const res = await editor.form(`/en/dashboard/posts/${draft.id}?_action=savePost`, {
      kind: "discussion",
      postId: draft.id,
      organization: M.org.id,
      title: "Rewritten by the editor",
      body_md: "The editor puts words in the member's mouth.",
      language: "en",
      intent: "submit",
    });
    expect(res.status).toBe(403);
    const submit = await editor.form(`/en/dashboard/posts/${draft.id}?_action=submitPost`, { postId: draft.id });
    expect(submit.status).toBe(403);
    expect(await pb.collection("posts").getOne(draft.id)).toMatchObject({ status: "draft", title: expect.stringContaining("Unapproved draft question") });
  });

  it("a plain member cannot write a case study by posting kind=case_study to the discussion form", async () => {
    const client = await new Client().signIn(M.memberLogin.email, M.memberLogin.password);
    const title = `A case study by a plain member ${letters(6)}`;
    const res = await client.form("/en/write?_action=savePost", {
      kind: "case_study",
      organization: M.org.id,
      title,
      summary: "A plain member tries to publish for the organisation.",
      body_md: "Words the organisation's editors never approved.",
      language: "en",
      intent: "save",
    });
    expect(res.status).toBe(403);
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);
  });

  it.each([
    ["a tag that tries to close the filter", `/en/discussions?tag=${encodeURIComponent(`dpo" || status = "draft`)}`],
    ["an unknown organisation kind", "/en/discussions?org_kind=hospital%27%20||%20true"],
    ["answered that is not yes or no", "/en/discussions?answered=maybe"],
  ])("%s is refused with 400 and lists nothing", async (_name, path) => {
    const res = await new Client().fetch(path);
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).not.toContain("/en/posts/");
    expect(body).not.toContain(draft.slug);
  });
});
