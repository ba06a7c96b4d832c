// Issue 9 §1, §2 and the anonymity crawl: publish through the real domain functions, for
// every anonymous path, then crawl every public surface of the real site as a visitor and
// look for what would unmask the author — the organisation's name, slug, id and website
// host, the author's name, e-mail and id, the link to a named record of the same
// application, and a descriptor that names a group of fewer than K verified organisations.
//
// The test writes through the domain (PocketBase of the security run, as a superuser, like
// the integration tests); the site process runs its own search worker, so search is awaited
// through the site's /api/search.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

// Letters only, so every search engine tokenises it as one word.
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
const TOKEN = `plorvanix${letters(8)}`;
const TAG = `tag${letters(8)}`;
const K = Number(process.env.CASEBOOK_ANONYMITY_K || 5);
// S is a mental-health service in Wallonia: a group no other test (nor the demo) adds to, so
// its finest descriptor names fewer than K organisations whatever order the files run in.
const S_FINE = renderDescriptor("en", "mental_health@r:wallonia");

type Secrets = Record<string, string>;
type Party = { org: { id: string; slug: string; name: string }; host: string; editor: Actor; admin: Actor; editorEmail: string; adminEmail: string };

let pb: PocketBase;
let moderator: Actor;
let moderatorLogin: { email: string; password: string };
let funderEditor: Actor;
let funderSlug: string;
let callSlug: string;
let S: Party; // every anonymous path; never named anywhere
let P: Party; // named by the funder, anonymous in its own account
let Q: Party; // anonymised by the funder, named in its own account
const posts: Record<string, { id: string; slug: string }> = {};

// A 1×1 PNG: the attachment of an anonymous post, uploaded under a name that gives the author away.
const PNG = Uint8Array.from(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64"));

async function party(label: string, kind: string, region: string): Promise<Party> {
  const u = letters(6);
  const [editor, admin] = await Promise.all([
    createUser(pb, { name: `Wietske ${label}${u} Vandermolen` }),
    createUser(pb, { name: `Joris ${label}${u} Claeskens` }),
  ]);
  const host = `${label.toLowerCase()}${u}-care.example.org`;
  const org = await createOrganization(
    pb,
    [
      { userId: editor.id, role: "editor" },
      { userId: admin.id, role: "admin" },
    ],
    { kind, region, name: `Sint-${label}${u} Zorggroep`, website: `https://${host}/about` },
  );
  return { org, host, editor: (await loadActor(editor.id))!, admin: (await loadActor(admin.id))!, editorEmail: editor.email, adminEmail: admin.email };
}

function secretsOf(p: Party): Secrets {
  return {
    "organisation name": p.org.name,
    "organisation slug": p.org.slug,
    "organisation id": p.org.id,
    "website host": p.host,
    "author name": p.editor.name,
    "author e-mail": p.editorEmail,
    "author e-mail (URL-encoded)": encodeURIComponent(p.editorEmail),
    "author id": p.editor.id,
    "admin name": p.admin.name,
    "admin e-mail": p.adminEmail,
  };
}

async function publish(id: string): Promise<void> {
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

async function anonymousAccount(p: Party, title: string, anonymous: boolean, amount: number): Promise<{ id: string; slug: string }> {
  const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }));
  const own = await saveDraft(p.editor, {
    kind: "funding_application",
    organization: p.org.id,
    call: call.id,
    title,
    summary: `Why our application ${TOKEN} was refused, and what we changed afterwards.`,
    body_md: `## Context\n\nWe applied for funding for a triage assistant (${TOKEN}) and were refused.`,
    language: "en",
    tags: TAG,
    anonymous,
    decision: "rejected",
    rejection_reasons: ["data_governance"],
    amount_requested: String(amount),
    reflection_md: "We would involve our data protection officer from day one.",
  });
  await submitPost(p.editor, own.id);
  await publish(own.id);
  return own;
}

async function funderRecord(p: Party, title: string, answer: "grant" | "anonymise", amount: number): Promise<{ id: string; slug: string }> {
  const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }));
  await recordDecisions(funderEditor, call.id, [
    {
      title,
      applicantType: "platform",
      applicant: p.org.slug,
      amountRequested: amount,
      decision: "rejected",
      decidedOn: "2025-06-30",
      rejectionReasons: ["data_governance"],
      reasonText: `No impact assessment (${TOKEN}).`,
    },
  ]);
  const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
  await answerConsent(p.admin, record.id, answer);
  await publish(record.id);
  return { id: record.id, slug: record.slug };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [mod, fe] = await Promise.all([createUser(pb, { role: "moderator" }), createUser(pb)]);
  moderator = (await loadActor(mod.id))!;
  moderatorLogin = mod;
  const funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], {
    kind: "funder",
    region: "brussels",
    name: `Open Care Fund ${letters(6)}`,
  });
  funderSlug = funder.slug;
  funderEditor = (await loadActor(fe.id))!;
  callSlug = (
    await saveCall(funderEditor, funder.id, {
      title: `Everyday AI ${TOKEN}`,
      description: "A call for AI projects in everyday care, crawl round.",
      status: "closed",
      currency: "EUR",
      budget: "900000",
    })
  ).slug;
  [S, P, Q] = await Promise.all([
    party("Veritas", "mental_health", "wallonia"),
    party("Paired", "care_home", "wallonia"),
    party("Quiet", "home_care", "brussels"),
  ]);

  // S: an anonymous case study with an attachment.
  const file = new File([PNG], `${S.org.slug}-${S.editor.name.replace(/\s+/g, "-")}-report.png`, { type: "image/png" });
  const cs = await saveDraft(
    S.editor,
    {
      kind: "case_study",
      organization: S.org.id,
      title: `Sepsis alerts nobody read ${TOKEN}`,
      summary: `We stopped a sepsis early-warning model (${TOKEN}) after months of alert fatigue.`,
      body_md: `## Context\n\nA sepsis early-warning model ${TOKEN} on four wards.\n\n## What happened\n\nToo many alerts.`,
      language: "en",
      tags: TAG,
      anonymous: true,
      outcome: "failure",
      care_settings: ["hospital"],
      ai_types: ["predictive_model"],
      lifecycle_stage: "stopped",
      lessons_md: "- Agree an alert budget first.",
    },
    undefined,
    { add: [file] },
  );
  await submitPost(S.editor, cs.id);
  await publish(cs.id);
  posts["S case study with attachment"] = cs;
  // S: an anonymous applicant's account, and the funder's record that S asked to anonymise.
  posts["S anonymous applicant account"] = await anonymousAccount(S, `Our refused triage application ${TOKEN} one`, true, 76543);
  posts["funder record, S anonymised"] = await funderRecord(S, `Refusal of a triage assistant ${TOKEN} two`, "anonymise", 76543);
  // P: the funder names it (consent granted); its own account of the same application is anonymous.
  posts["funder record naming P"] = await funderRecord(P, `Refusal of night monitoring ${TOKEN} three`, "grant", 65432);
  posts["P anonymous applicant account"] = await anonymousAccount(P, `Our refused monitoring application ${TOKEN} four`, true, 65432);
  // Q: the funder's record anonymises it; its own account of the same application is named.
  posts["funder record, Q anonymised"] = await funderRecord(Q, `Refusal of home sensors ${TOKEN} five`, "anonymise", 54321);
  posts["Q named applicant account"] = await anonymousAccount(Q, `Our refused sensor application ${TOKEN} six`, false, 54321);

  // The site's own worker indexes them: wait until its search finds all seven.
  const visitor = new Client();
  for (let i = 0; ; i++) {
    const body = (await (await visitor.fetch(`/api/search?q=${TOKEN}&per_page=50`)).json()) as { total: number };
    if (body.total >= 7) break;
    if (i > 150) throw new Error(`search never found the crawl's posts (found ${body.total} of 7)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

type Page = { path: string; status: number; body: string; head: string; disposition: string; bytes: Uint8Array };
const cache = new Map<string, Promise<Page>>();
function get(path: string): Promise<Page> {
  if (!cache.has(path)) {
    cache.set(
      path,
      (async () => {
        const res = await new Client().fetch(path);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const body = new TextDecoder().decode(bytes);
        return {
          path,
          status: res.status,
          body,
          head: /<head[\s\S]*?<\/head>/i.exec(body)?.[0] ?? "",
          disposition: res.headers.get("content-disposition") ?? "",
          bytes,
        };
      })(),
    );
  }
  return cache.get(path)!;
}

/** What a visitor must never find on a surface: labelled strings, case-insensitively. */
function leaks(text: string, secrets: Secrets): string[] {
  const haystack = text.toLowerCase();
  return Object.entries(secrets)
    .filter(([, v]) => v && haystack.includes(v.toLowerCase()))
    .map(([label, v]) => `${label} (${v})`);
}

type Surface = { path: string; part?: "body" | "head" | "disposition" | "search hits" | "search facets" };
const surfaceText = async (s: Surface): Promise<string> => {
  const page = await get(s.path);
  if (s.part === "head") return page.head;
  if (s.part === "disposition") return page.disposition;
  if (s.part === "search hits" || s.part === "search facets") {
    const json = JSON.parse(page.body) as { hits: unknown[]; facets: unknown };
    return JSON.stringify(s.part === "search hits" ? json.hits : json.facets);
  }
  return page.body;
};

describe("anonymity crawl: nothing public names S, whose every post is anonymous (issue 9, tests)", () => {
  // Every public surface; S's own organisation page is public and names S, so it is checked
  // separately (it must not list the anonymous posts).
  const surfaces = (): Scenario<Surface, { status: number; lacks: "S" }>[] => {
    const p = (name: string, path: string, part?: Surface["part"]): Scenario<Surface, { status: number; lacks: "S" }> => ({
      name,
      actor: "visitor",
      request: { path, part },
      expected: { status: 200, lacks: "S" },
    });
    const list: Scenario<Surface, { status: number; lacks: "S" }>[] = [
      // "/" redirects to a language; each language's home is a surface of its own.
      p("home", "/en/"),
      p("home in French", "/fr/"),
      p("home in Dutch", "/nl/"),
      p("search page in French", `/fr/search?q=${TOKEN}`),
      p("failures listing", "/failures"),
      p("outcome listing", "/outcomes/failure"),
      p("care-setting listing", "/care-settings/hospital"),
      p("AI-type listing", "/ai-types/predictive_model"),
      p("tag listing", `/tags/${TAG}`),
      p("search API hits", `/api/search?q=${TOKEN}&per_page=50`, "search hits"),
      p("search API facet counts", `/api/search?q=${TOKEN}&per_page=50`, "search facets"),
      p("search page", `/search?q=${TOKEN}`),
      p("calls", "/calls"),
      p("call page", `/calls/${callSlug}`),
      p("funder's organisation page", `/organizations/${funderSlug}`),
      p("insights", "/insights"),
      p("open data: decisions.csv", "/open-data/decisions.csv"),
      p("open data: decisions.json", "/open-data/decisions.json"),
      p("open data: 360Giving", "/open-data/360giving.json"),
      p("open data: decisions of the call", `/open-data/decisions.json?call=${callSlug}`),
      p("open data: calls.csv", "/open-data/calls.csv"),
      p("open data: calls.json", "/open-data/calls.json"),
      p("open data index", "/open-data"),
    ];
    for (const [label, post] of Object.entries(posts)) {
      if (!label.startsWith("S ") && !label.includes("S anonymised")) continue;
      list.push(
        p(`${label}: page`, `/posts/${post.slug}`),
        p(`${label}: <head>`, `/posts/${post.slug}`, "head"),
        p(`${label}: /api/posts`, `/api/posts/${post.slug}`),
      );
    }
    const cs = posts["S case study with attachment"]!;
    list.push(p("attachment bytes", `/posts/${cs.slug}/attachments/1`), p("attachment Content-Disposition", `/posts/${cs.slug}/attachments/1`, "disposition"));
    return list;
  };

  it("every surface answers and carries nothing of S or its author", async () => {
    const failures: string[] = [];
    for (const s of surfaces()) {
      const page = await get(s.request.path);
      if (page.status !== s.expected.status) failures.push(`${s.name}: status ${page.status}`);
      const found = leaks(await surfaceText(s.request), secretsOf(S));
      if (found.length) failures.push(`${s.name} (${s.request.path}${s.request.part ? `, ${s.request.part}` : ""}): ${found.join(", ")}`);
    }
    expect(failures).toEqual([]);
  });

  it("robots.txt and sitemap.xml, where they exist, carry nothing of S", async () => {
    for (const path of ["/robots.txt", "/sitemap.xml", "/sitemap-index.xml"]) {
      const page = await get(path);
      if (page.status === 200) expect(leaks(page.body, secretsOf(S)), path).toEqual([]);
      else expect(page.status, path).toBe(404);
    }
  });

  it("searching for S's name, slug or website finds none of its anonymous posts", async () => {
    const ids = Object.entries(posts)
      .filter(([label]) => label.startsWith("S ") || label.includes("S anonymised"))
      .map(([, p]) => p.slug);
    // (Not the website host: its words "care", "example", "org" match any post about care.)
    for (const q of [S.org.name, S.org.slug, S.editor.name]) {
      const body = JSON.parse((await get(`/api/search?q=${encodeURIComponent(q)}&per_page=50`)).body) as { hits: { slug: string }[] };
      expect(
        body.hits.map((h) => h.slug).filter((slug) => ids.includes(slug)),
        q,
      ).toEqual([]);
    }
  });

  it("S's own organisation page lists none of its anonymous posts", async () => {
    const page = await get(`/organizations/${S.org.slug}`);
    expect(page.status).toBe(200);
    for (const post of Object.values(posts)) expect(page.body).not.toContain(post.slug);
    expect(page.body).not.toContain(TOKEN);
  });

  it("the attachment's bytes are served and its name is neutral", async () => {
    const page = await get(`/posts/${posts["S case study with attachment"]!.slug}/attachments/1`);
    expect(page.status).toBe(200);
    expect(page.bytes.byteLength).toBeGreaterThan(0);
    expect(page.disposition).not.toMatch(/report|veritas|wietske/i);
  });
});

describe("counterparts: nothing links an anonymous record to the named record of the same application (issue 9 §1)", () => {
  type Expect = { status: number; lacks: Secrets };
  const table = (): Scenario<Surface, Expect>[] => {
    const anonP = posts["P anonymous applicant account"]!;
    const namedP = posts["funder record naming P"]!;
    const anonQ = posts["funder record, Q anonymised"]!;
    const namedQ = posts["Q named applicant account"]!;
    const pSecrets = {
      ...secretsOf(P),
      "named record's slug": namedP.slug,
      "named record's id": namedP.id,
      "funder's-record link": "The funder's record of this application",
    };
    const qSecrets = {
      ...secretsOf(Q),
      "named account's slug": namedQ.slug,
      "named account's id": namedQ.id,
      "applicant's-account link": "The applicant's own account of this application",
    };
    return [
      { name: "P's anonymous account: page", actor: "visitor", request: { path: `/posts/${anonP.slug}` }, expected: { status: 200, lacks: pSecrets } },
      {
        name: "P's anonymous account: <head>",
        actor: "visitor",
        request: { path: `/posts/${anonP.slug}`, part: "head" },
        expected: { status: 200, lacks: pSecrets },
      },
      {
        name: "P's anonymous account: /api/posts",
        actor: "visitor",
        request: { path: `/api/posts/${anonP.slug}` },
        expected: { status: 200, lacks: pSecrets },
      },
      {
        name: "funder's record naming P: page",
        actor: "visitor",
        request: { path: `/posts/${namedP.slug}` },
        expected: { status: 200, lacks: { "anonymous account's slug": anonP.slug, "anonymous account's id": anonP.id } },
      },
      {
        name: "funder's record naming P: /api/posts",
        actor: "visitor",
        request: { path: `/api/posts/${namedP.slug}` },
        expected: { status: 200, lacks: { "anonymous account's slug": anonP.slug, "anonymous account's id": anonP.id } },
      },
      { name: "funder's record anonymising Q: page", actor: "visitor", request: { path: `/posts/${anonQ.slug}` }, expected: { status: 200, lacks: qSecrets } },
      {
        name: "funder's record anonymising Q: /api/posts",
        actor: "visitor",
        request: { path: `/api/posts/${anonQ.slug}` },
        expected: { status: 200, lacks: qSecrets },
      },
      {
        name: "Q's named account: page",
        actor: "visitor",
        request: { path: `/posts/${namedQ.slug}` },
        expected: { status: 200, lacks: { "anonymised record's slug": anonQ.slug, "anonymised record's id": anonQ.id } },
      },
      {
        name: "Q's named account: /api/posts",
        actor: "visitor",
        request: { path: `/api/posts/${namedQ.slug}` },
        expected: { status: 200, lacks: { "anonymised record's slug": anonQ.slug, "anonymised record's id": anonQ.id } },
      },
      // One record per application in lists: the anonymous account is not set next to the named record.
      {
        name: "call page",
        actor: "visitor",
        request: { path: `/calls/${callSlug}` },
        expected: { status: 200, lacks: { "P's anonymous account's slug": anonP.slug } },
      },
      {
        name: "open data of the call",
        actor: "visitor",
        request: { path: `/open-data/decisions.json?call=${callSlug}` },
        expected: { status: 200, lacks: { "P's anonymous account's slug": anonP.slug, "P's anonymous account's id": anonP.id } },
      },
    ];
  };

  it("no page, <head> or JSON of either side points to the other", async () => {
    const failures: string[] = [];
    for (const s of table()) {
      const page = await get(s.request.path);
      if (page.status !== s.expected.status) failures.push(`${s.name}: status ${page.status}`);
      const found = leaks(await surfaceText(s.request), s.expected.lacks);
      if (found.length) failures.push(`${s.name}: ${found.join(", ")}`);
    }
    expect(failures).toEqual([]);
  });

  it("the search hits of the anonymous sides carry no name of P or Q", async () => {
    const body = JSON.parse((await get(`/api/search?q=${TOKEN}&per_page=50`)).body) as { hits: { slug: string }[] };
    const hit = (slug: string) => JSON.stringify(body.hits.find((h) => h.slug === slug) ?? null);
    expect(hit(posts["P anonymous applicant account"]!.slug)).not.toBe("null");
    expect(leaks(hit(posts["P anonymous applicant account"]!.slug), secretsOf(P))).toEqual([]);
    expect(leaks(hit(posts["funder record, Q anonymised"]!.slug), secretsOf(Q))).toEqual([]);
  });
});

describe("what authors and moderators are told before publication (issue 9 §1, §2)", () => {
  it("the moderator reviewing an anonymous account sees the named record of the same application", async () => {
    // A second anonymous account of P's application, submitted but not yet approved.
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }));
    const own = await saveDraft(P.editor, {
      kind: "funding_application",
      organization: P.org.id,
      call: call.id,
      title: `Second account ${TOKEN} seven`,
      summary: "Another look at why our application was refused, a year later.",
      body_md: "## Context\n\nWe applied again for funding for night-time monitoring and were refused.",
      language: "en",
      tags: "",
      anonymous: true,
      decision: "rejected",
      rejection_reasons: ["data_governance"],
      amount_requested: "65432",
    });
    await submitPost(P.editor, own.id);
    const mod = await new Client().signIn(moderatorLogin.email, moderatorLogin.password);
    const res = await mod.fetch(`/moderation/posts/${own.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Another record of this application");
    expect(html).toContain(`/moderation/posts/${posts["funder record naming P"]!.id}`);
    expect(html).toMatch(/Descriptor if published now<\/dt>.{0,80}“[^”]+”, shared by \d+ verified organisations?/s);
    // A visitor sees none of it: the post is not public.
    expect((await new Client().fetch(`/posts/${own.slug}`)).status).toBe(404);
  });

  it("the moderator reviewing a funder's record that anonymises its applicant sees the applicant's own named account", async () => {
    // A second refusal of Q's application, anonymised at Q's request, waiting for moderation: Q's own account of the
    // same application is named and published, so publishing this one would let readers match the two.
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }));
    const title = `Second refusal of home sensors ${TOKEN} eight`;
    await recordDecisions(funderEditor, call.id, [
      {
        title,
        applicantType: "platform",
        applicant: Q.org.slug,
        amountRequested: 54321,
        decision: "rejected",
        decidedOn: "2025-06-30",
        rejectionReasons: ["budget_or_roi"],
      },
    ]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    await answerConsent(Q.admin, record.id, "anonymise");
    const mod = await new Client().signIn(moderatorLogin.email, moderatorLogin.password);
    const html = await (await mod.fetch(`/moderation/posts/${record.id}`)).text();
    expect(html).toContain("Another record of this application");
    expect(html).toContain(`/moderation/posts/${posts["Q named applicant account"]!.id}`);
  });

  it("the writing form shows the author the descriptor, how many share it, and that call, amounts and dates identify", async () => {
    const editor = await new Client().signIn(S.editorEmail, "a perfectly long passphrase 42");
    const res = await editor.fetch("/write?kind=funding_application");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/Readers will see this post as by “[^”]+”, a description shared by \d+ verified organisations?/);
    expect(html).not.toContain(`Readers will see this post as by “${S_FINE}”`);
    expect(html).toContain("Your call, amounts and dates can identify you");
  });
});

describe("descriptors never name a group of fewer than K verified organisations (issue 9 §2)", () => {
  it("neither this run's mental-health service in Wallonia nor the demo's hospital in Flanders is described as a group of fewer than K", async () => {
    const group = await pb.collection("organizations").getList(1, 1, { filter: "verified = true && kind = 'mental_health' && region = 'wallonia'" });
    // Precondition: S's finest group is smaller than K (nobody else creates such organisations).
    expect(group.totalItems).toBeLessThan(K);
    // Other security files verify hospitals in Flanders too; "a hospital in Flanders" may
    // appear exactly when at least K of them are verified.
    const hospitals = await pb.collection("organizations").getList(1, 1, { filter: "verified = true && kind = 'hospital' && region = 'flanders'" });
    const flemishHospitalsAreACrowd = hospitals.totalItems >= K;
    const paths = [
      "/posts/sepsis-early-warning-alert-fatigue",
      "/api/posts/sepsis-early-warning-alert-fatigue",
      "/posts/outpatient-no-show-prediction-bias",
      "/api/posts/outpatient-no-show-prediction-bias",
      `/posts/${posts["S case study with attachment"]!.slug}`,
      `/api/posts/${posts["S anonymous applicant account"]!.slug}`,
      `/posts/${posts["funder record, S anonymised"]!.slug}`,
      "/api/search?q=sepsis&per_page=50",
      `/api/search?q=${TOKEN}&per_page=50`,
      "/failures",
      "/en/",
      "/fr/",
      "/nl/failures",
    ];
    // Where a descriptor is shown: JSON fields, and the byline and facts of pages (the site's
    // help texts quote "a hospital in Flanders" as an example, which is no descriptor).
    const shown = (page: Page) =>
      page.body.startsWith("<")
        ? [...page.body.matchAll(/<p class="byline">([\s\S]*?)<\/p>|<span class="byline">([\s\S]*?)<\/span>|<dd>([\s\S]*?)<\/dd>/g)].map((m) => m[0]).join("\n")
        : page.body;
    for (const path of paths) {
      const text = shown(await get(path));
      expect(text, path).not.toContain(S_FINE);
      expect(text.includes("a hospital in Flanders") && !flemishHospitalsAreACrowd, path).toBe(false);
    }
    // Open data: applicants without a public name (a named one may be described finely).
    const items = JSON.parse((await get("/open-data/decisions.json")).body).items as { applicant: { name: string | null; descriptor: string } }[];
    const anonymised = items.filter((d) => d.applicant.name === null).map((d) => d.applicant.descriptor);
    expect(anonymised).not.toContain(S_FINE);
    expect(anonymised.includes("a hospital in Flanders") && !flemishHospitalsAreACrowd).toBe(false);
    // Nor the kind through a facet: the coarsened anonymous hospital posts are not counted as hospitals.
    const facets = JSON.parse((await get(`/api/search?q=${TOKEN}&per_page=50`)).body).facets as { org_kind: { value: string; count: number }[] };
    expect(facets.org_kind.filter((f) => f.value === "mental_health" || f.value === "care_home")).toEqual([]);
  });

  it("the demo's anonymous posts of AZ Heidebloem carry nothing of it", async () => {
    const az = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "az-heidebloem" }));
    const secrets = { name: az.name, slug: az.slug, id: az.id, host: new URL(az.website).host };
    for (const slug of ["sepsis-early-warning-alert-fatigue", "outpatient-no-show-prediction-bias"]) {
      for (const path of [`/posts/${slug}`, `/api/posts/${slug}`]) expect(leaks((await get(path)).body, secrets), path).toEqual([]);
    }
  });
});
