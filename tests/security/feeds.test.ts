// Issue 13 §6 and §3: feeds and follows under attack. An anonymous post's organisation
// appears in no feed — Atom or JSON, any language, including the organisation's own feed,
// which must not list the post at all — and following that organisation (privately) never
// brings its anonymous posts into the member's private feed. A member cannot list or change
// another member's follows, and a replaced private-feed token stops working at once.
import { parseAtomFeed, parseJsonFeed } from "feedsmith";
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
const TOKEN = `feedmark${letters(8)}`;
const TAG = `feed${letters(8)}`;

let pb: PocketBase;
let moderator: Actor;
let S: { org: { id: string; slug: string; name: string }; editor: Actor; admin: Actor; editorEmail: string };
let funderSlug: string;
let callSlug: string;
const slugs = { anonymous: "", named: "", refusal: "" };

async function publish(id: string): Promise<void> {
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

async function caseStudy(editor: Actor, organization: string, title: string, anonymous: boolean): Promise<string> {
  const draft = await saveDraft(editor, {
    kind: "case_study",
    organization,
    title,
    summary: `What we learned from ${title} (${TOKEN}).`,
    body_md: `## Context\n\nA model ${TOKEN} on two wards.\n\n## What happened\n\nIt was stopped.`,
    language: "en",
    tags: TAG,
    anonymous,
    outcome: "failure",
    care_settings: ["care_home"],
    ai_types: ["speech"],
    lifecycle_stage: "stopped",
  });
  await submitPost(editor, draft.id);
  await publish(draft.id);
  return draft.slug;
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [mod, editor, admin, fe] = await Promise.all([
    createUser(pb, { role: "moderator" }),
    createUser(pb, { name: `Griet ${letters(6)} Verhaegen` }),
    createUser(pb),
    createUser(pb),
  ]);
  moderator = (await loadActor(mod.id))!;
  const org = await createOrganization(
    pb,
    [
      { userId: editor.id, role: "editor" },
      { userId: admin.id, role: "admin" },
    ],
    { kind: "care_home", region: "brussels", name: `Huize ${letters(6)} Zonnewende` },
  );
  S = { org, editor: (await loadActor(editor.id))!, admin: (await loadActor(admin.id))!, editorEmail: editor.email };
  const funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", region: "brussels", name: `Feed Fund ${letters(6)}` });
  funderSlug = funder.slug;
  const funderEditor = (await loadActor(fe.id))!;
  const call = await saveCall(funderEditor, funder.id, {
    title: `Feeds call ${TOKEN}`,
    description: "A call whose decisions have a feed.",
    status: "closed",
    currency: "EUR",
    budget: "100000",
  });
  callSlug = call.slug;
  const callId = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: callSlug }))).id;
  slugs.anonymous = await caseStudy(S.editor, S.org.id, `Voice notes nobody trusted ${TOKEN}`, true);
  slugs.named = await caseStudy(S.editor, S.org.id, `Fall sensors we kept ${TOKEN}`, false);
  // A funder's refusal of S, which S's admin asked to anonymise: in the funder's and the call's feeds, never naming S.
  await recordDecisions(funderEditor, callId, [
    {
      title: `Refusal ${TOKEN}`,
      applicantType: "platform",
      applicant: S.org.slug,
      amountRequested: 50000,
      decision: "rejected",
      decidedOn: "2026-06-30",
      rejectionReasons: ["budget_or_roi"],
    },
  ]);
  const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: `Refusal ${TOKEN}` }));
  await answerConsent(S.admin, record.id, "anonymise");
  await publish(record.id);
  slugs.refusal = record.slug;
}, 120_000);

const secrets = () => ({
  "organisation name": S.org.name,
  "organisation slug": S.org.slug,
  "organisation id": S.org.id,
  "author name": S.editor.name,
  "author e-mail": S.editorEmail,
  "author id": S.editor.id,
});

function leaks(text: string): string[] {
  const haystack = text.toLowerCase();
  return Object.entries(secrets())
    .filter(([, v]) => haystack.includes(v.toLowerCase()))
    .map(([label, v]) => `${label} (${v})`);
}

/** A feed's entries as a real feed parser reads them: link and everything else in it. */
function entries(body: string, format: "atom" | "json"): { link: string; text: string }[] {
  if (format === "atom") return (parseAtomFeed(body).entries ?? []).map((e) => ({ link: e.links?.[0]?.href ?? "", text: JSON.stringify(e) }));
  return (parseJsonFeed(JSON.parse(body)).items ?? []).map((i) => ({ link: i.url ?? "", text: JSON.stringify(i) }));
}

/** The entry links of a feed. */
function entryLinks(body: string, format: "atom" | "json"): string[] {
  return entries(body, format).map((e) => e.link);
}

/** Everything of a feed but its entries (title, links, ids…). */
function feedHead(body: string, format: "atom" | "json"): string {
  if (format === "atom") return JSON.stringify({ ...parseAtomFeed(body), entries: undefined });
  return JSON.stringify({ ...parseJsonFeed(JSON.parse(body)), items: undefined });
}

describe("feeds never name an anonymous post's organisation (issue 13 §6)", () => {
  const feeds = () =>
    ["en", "fr", "nl"].flatMap((lang) =>
      (["atom", "json"] as const).flatMap((format) =>
        [
          ["home", `/${lang}/feeds/home.${format}`],
          ["failures", `/${lang}/feeds/failures.${format}`],
          ["tag", `/${lang}/feeds/tags/${TAG}.${format}`],
          ["care setting", `/${lang}/feeds/care-settings/care_home.${format}`],
          ["AI technique", `/${lang}/feeds/ai-types/speech.${format}`],
          ["funder", `/${lang}/feeds/funders/${funderSlug}.${format}`],
          ["call", `/${lang}/feeds/calls/${callSlug}.${format}`],
        ].map(([name, path]) => ({ name: `${name} (${lang}, ${format})`, path: path!, format })),
      ),
    );

  it("every public feed answers, lists the anonymous post by its descriptor, and carries nothing of its organisation or author", async () => {
    const failures: string[] = [];
    const visitor = new Client();
    for (const feed of feeds()) {
      const res = await visitor.fetch(feed.path);
      const body = await res.text();
      if (res.status !== 200) {
        failures.push(`${feed.name}: status ${res.status}`);
        continue;
      }
      // S's named post credits S, rightly; every other entry and the feed itself must not name S.
      const found = [
        ...leaks(feedHead(body, feed.format)),
        ...entries(body, feed.format)
          .filter((e) => !e.link.endsWith(`/posts/${slugs.named}`))
          .flatMap((e) => leaks(e.text).map((leak) => `${e.link}: ${leak}`)),
      ];
      if (found.length) failures.push(`${feed.name}: ${found.join(", ")}`);
      // Nor does S's named entry point to the anonymous post.
      const named = entries(body, feed.format).find((e) => e.link.endsWith(`/posts/${slugs.named}`));
      if (named && (named.text.includes(slugs.anonymous) || named.text.includes(slugs.refusal)))
        failures.push(`${feed.name}: named entry links the anonymous post`);
      const links = entryLinks(body, feed.format);
      // The feeds that list the anonymous case study must list it (a feed that hid it would pass vacuously).
      if (/tag|care setting|AI technique/.test(feed.name) && !links.some((l) => l.endsWith(`/posts/${slugs.anonymous}`)))
        failures.push(`${feed.name}: anonymous post missing`);
      if (/funder|call/.test(feed.name) && !links.some((l) => l.endsWith(`/posts/${slugs.refusal}`))) failures.push(`${feed.name}: refusal missing`);
    }
    expect(failures).toEqual([]);
  });

  it("the organisation's own feed lists its named post and never its anonymous one", async () => {
    for (const format of ["atom", "json"] as const) {
      const res = await new Client().fetch(`/en/feeds/organizations/${S.org.slug}.${format}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      const links = entryLinks(body, format);
      expect(links.some((l) => l.endsWith(`/posts/${slugs.named}`))).toBe(true);
      expect(body).not.toContain(slugs.anonymous);
      expect(body).not.toContain("Voice notes nobody trusted");
      expect(body).not.toContain(slugs.refusal);
    }
  });

  const refused: Scenario<{ path: string }, { status: number }>[] = [
    {
      name: "an unverified organisation's feed",
      actor: "visitor",
      request: { path: "/en/feeds/organizations/no-such-org-here.atom" },
      expected: { status: 404 },
    },
    { name: "a non-funder as funder", actor: "visitor", request: { path: "" }, expected: { status: 404 } },
    { name: "a draft call", actor: "visitor", request: { path: "/en/feeds/calls/not-a-call.json" }, expected: { status: 404 } },
    { name: "an unknown feed kind", actor: "visitor", request: { path: "/en/feeds/outcomes/failure.atom" }, expected: { status: 404 } },
    { name: "a path that climbs out", actor: "visitor", request: { path: "/en/feeds/tags/..%2f..%2fhome.atom" }, expected: { status: 404 } },
  ];
  for (const s of refused) {
    it(`${s.name} → ${s.expected.status}`, async () => {
      const path = s.request.path || `/en/feeds/funders/${S.org.slug}.atom`;
      const res = await new Client().fetch(path);
      expect(res.status).toBe(s.expected.status);
      if (s.expected.status === 404) expect(leaks(await res.text())).toEqual([]);
    });
  }

  it("an unprefixed feed URL is the English feed whatever the visitor's language (one answer per URL for shared caches)", async () => {
    const res = await new Client().fetch("/feeds/home.atom", { headers: { "accept-language": "fr-BE,fr;q=0.9", cookie: "casebook_lang=nl" } });
    expect(res.status).toBe(200);
    expect(parseAtomFeed(await res.text()).id).toMatch(/\/en\/feeds\/home\.atom$/);
  });

  it("feeds are public and cacheable for visitors, with a working ETag", async () => {
    const visitor = new Client();
    const res = await visitor.fetch(`/en/feeds/tags/${TAG}.atom`);
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.getSetCookie()).toEqual([]);
    const again = await visitor.fetch(`/en/feeds/tags/${TAG}.atom`, { headers: { "if-none-match": res.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
  });
});

describe("follows are their member's only (issue 13 §3)", () => {
  let alice: Client;
  let bob: Client;
  let aliceFollowId: string;

  beforeAll(async () => {
    const [a, b] = await Promise.all([createUser(pb), createUser(pb)]);
    alice = await new Client().signIn(a.email, a.password);
    bob = await new Client().signIn(b.email, b.password);
    // Alice follows S by its public page, through the real form; Bob follows the tag.
    expect((await alice.form(`/en/organizations/${S.org.slug}?_action=follow`, { kind: "organization", value: S.org.slug, cadence: "weekly" })).status).toBe(
      200,
    );
    expect((await bob.form(`/en/tags/${TAG}?_action=follow`, { kind: "tag", value: TAG, cadence: "daily" })).status).toBe(200);
    const follow = await pb.collection("follows").getFirstListItem(pb.filter("user = {:u} && kind = 'organization'", { u: a.id }));
    aliceFollowId = follow.id;
  });

  it("Bob's follows page lists nothing of Alice's", async () => {
    const page = await (await bob.fetch("/en/account/follows")).text();
    expect(page).not.toContain(S.org.name);
    expect(page).not.toContain(aliceFollowId);
  });

  const attacks: Scenario<{ action: string; fields: (id: string) => Record<string, string> }, { status: number }>[] = [
    {
      name: "Bob changes the cadence of Alice's follow",
      actor: "bob",
      request: { action: "setFollowCadence", fields: (id) => ({ followId: id, cadence: "immediate" }) },
      expected: { status: 404 },
    },
    { name: "Bob removes Alice's follow", actor: "bob", request: { action: "removeFollow", fields: (id) => ({ followId: id }) }, expected: { status: 404 } },
    {
      name: "a visitor removes Alice's follow",
      actor: "visitor",
      request: { action: "removeFollow", fields: (id) => ({ followId: id }) },
      expected: { status: 303 },
    },
  ];
  for (const s of attacks) {
    it(`${s.name}: refused, and the follow is unchanged`, async () => {
      const client = s.actor === "bob" ? bob : new Client();
      const res = await client.form(`/en/account/follows?_action=${s.request.action}`, s.request.fields(aliceFollowId));
      expect(res.status).toBe(s.expected.status);
      const follow = await pb.collection("follows").getOne(aliceFollowId);
      expect(follow.cadence).toBe("weekly");
    });
  }

  it("a cross-site form post to follow is refused (CSRF)", async () => {
    const res = await bob.form(
      `/en/tags/${TAG}?_action=follow`,
      { kind: "tag", value: TAG },
      { headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } },
    );
    expect(res.status).toBe(403);
  });

  it("the anonymous post's page offers no way to follow its organisation, and following by its slug is refused", async () => {
    const page = await (await bob.fetch(`/en/posts/${slugs.anonymous}`)).text();
    expect(page).not.toContain('name="kind" value="organization"');
    expect(leaks(page)).toEqual([]);
    await bob.form(`/en/posts/${slugs.anonymous}?_action=follow`, { kind: "organization", value: slugs.anonymous });
    expect(await pb.collection("follows").getList(1, 1, { filter: pb.filter("kind = 'organization' && target = {:t}", { t: slugs.anonymous }) })).toMatchObject(
      { totalItems: 0 },
    );
  });

  it("the private feed: S's named post, never its anonymous one; a new token replaces the old one at once", async () => {
    const token = async () => {
      const html = await (await alice.form("/en/account/follows?_action=regenerateFeedToken", {})).text();
      const match = /\/feeds\/private\/([A-Za-z0-9_-]{43})\.atom/.exec(html);
      if (!match) throw new Error("no private feed address on the page");
      return match[1]!;
    };
    const first = await token();
    const visitor = new Client();
    const atom = await visitor.fetch(`/en/feeds/private/${first}.atom`);
    expect(atom.status).toBe(200);
    expect(atom.headers.get("cache-control")).toBe("private, max-age=0");
    const body = await atom.text();
    const links = entryLinks(body, "atom");
    expect(links.some((l) => l.endsWith(`/posts/${slugs.named}`))).toBe(true);
    expect(body).not.toContain(slugs.anonymous);
    expect(body).not.toContain(slugs.refusal);
    const json = await visitor.fetch(`/feeds/private/${first}.json`);
    expect(json.status).toBe(200);
    expect(entryLinks(await json.text(), "json").length).toBeGreaterThan(0);

    const second = await token();
    expect(second).not.toBe(first);
    expect((await visitor.fetch(`/en/feeds/private/${first}.atom`)).status).toBe(404);
    expect((await visitor.fetch(`/en/feeds/private/${second}.atom`)).status).toBe(200);
    expect((await visitor.fetch(`/en/feeds/private/${"A".repeat(43)}.atom`)).status).toBe(404);
  });
});
