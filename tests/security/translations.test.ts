// Issue 12 §4 over real HTTP: post translations. A translation must never bridge an
// anonymous post and a named one of the same organisation (the named one would unmask the
// other): the write form refuses that combination with its message next to the field and
// writes nothing. Someone outside the organisation can neither start nor save a translation,
// and the public pages of a linked anonymous pair name nobody.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const RUN = Math.random().toString(36).slice(2, 10);
const WHO = ["anonymous", "editor", "orgMember", "otherEditor"] as const;
type Who = (typeof WHO)[number];

let pb: PocketBase;
const clients = {} as Record<Who, Client>;
const w = {} as {
  orgId: string;
  orgName: string;
  orgSlug: string;
  otherOrgId: string;
  anonymous: { id: string; slug: string };
  named: { id: string; slug: string };
};
let translationSlug = "";

function story(orgId: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "case_study",
    organization: orgId,
    title: `Night-time fall sensors ${RUN}`,
    summary: "Ceiling sensors for fall detection, switched off after a month of false alarms.",
    body_md: "## Context\n\nTwo wards tried ceiling sensors for fall detection at night.\n\n## Result\n\nSwitched off.",
    language: "en",
    tags: "falls",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["computer_vision"],
    lifecycle_stage: "stopped",
    ...overrides,
  };
}

async function publish(editor: Actor, moderator: Actor, input: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const { id } = await saveDraft(editor, input);
  await submitPost(editor, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return { id, slug: (await pb.collection("posts").getOne(id)).slug };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const ids = {} as Record<Exclude<Who, "anonymous">, { id: string; email: string; password: string }>;
  for (const who of WHO) if (who !== "anonymous") ids[who] = await createUser(pb, { name: `Person ${who} ${RUN}` });
  const mod = await createUser(pb, { role: "moderator" });
  const orgName = `Sint-Vertaal ${RUN} Ziekenhuis`;
  const org = await createOrganization(
    pb,
    [
      { userId: ids.editor.id, role: "editor" },
      { userId: ids.orgMember.id, role: "member" },
    ],
    { name: orgName },
  );
  const other = await createOrganization(pb, [{ userId: ids.otherEditor.id, role: "editor" }]);
  const editor = (await loadActor(ids.editor.id))!;
  const moderator = (await loadActor(mod.id))!;
  Object.assign(w, { orgId: org.id, orgName, orgSlug: org.slug, otherOrgId: other.id });
  w.anonymous = await publish(editor, moderator, story(org.id, { anonymous: true, title: `Anonymous fall sensors ${RUN}` }));
  w.named = await publish(editor, moderator, story(org.id, { title: `Named fall sensors ${RUN}` }));
  // A legitimate anonymous pair, for the public pages.
  const t = await publish(
    editor,
    moderator,
    story(org.id, { anonymous: true, language: "nl", title: `Valsensoren 's nachts ${RUN}`, translation_of: w.anonymous.id }),
  );
  translationSlug = t.slug;
  clients.anonymous = new Client();
  for (const who of WHO) if (who !== "anonymous") clients[who] = await new Client().signIn(ids[who].email, ids[who].password);
}, 120_000);

type Req = { path: string; form?: Record<string, string> };
type Expected = { status: number; location?: string; contains?: string[]; lacks?: string[] };

// The write form as a browser sends it (a checkbox is absent when unticked).
function translationForm(source: string, organization: string, anonymous: boolean, language = "fr"): Record<string, string> {
  const s = story(organization, { language, title: `Capteurs de chute la nuit ${RUN}` });
  return {
    kind: "case_study",
    organization,
    translation_of: source,
    title: String(s.title),
    summary: s.summary,
    body_md: s.body_md,
    language,
    tags: s.tags,
    outcome: s.outcome,
    lifecycle_stage: s.lifecycle_stage,
    care_settings: "hospital",
    ai_types: "computer_vision",
    intent: "save",
    ...(anonymous ? { anonymous: "on" } : {}),
  };
}

const translationsOf = async (id: string) =>
  (await pb.collection("posts").getFullList({ filter: pb.filter("translation_of = {:id}", { id }), fields: "id,language,anonymous" })).map((p) => p.id).sort();

describe("translations never unmask an anonymous post", () => {
  const MIXED = "Linking an anonymous post to a named one would reveal who wrote it.";
  const rows: Scenario<Req & { source: () => string }, Expected>[] = [
    {
      name: "a named translation of an anonymous post is refused next to the anonymity choice",
      actor: "editor",
      request: { path: "/write?_action=savePost", source: () => w.anonymous.id, form: {} },
      expected: { status: 400, contains: [MIXED, 'id="f-anonymous-error"'] },
    },
    {
      name: "an anonymous translation of a named post is refused the same way",
      actor: "editor",
      request: { path: "/write?_action=savePost", source: () => w.named.id, form: {} },
      expected: { status: 400, contains: [MIXED] },
    },
    {
      name: "an editor of another organisation cannot translate it for their own",
      actor: "otherEditor",
      request: { path: "/write?_action=savePost", source: () => w.anonymous.id, form: {} },
      expected: { status: 403, lacks: [RUN] },
    },
    {
      name: "a plain member of the organisation cannot translate",
      actor: "orgMember",
      request: { path: "/write?_action=savePost", source: () => w.anonymous.id, form: {} },
      expected: { status: 403 },
    },
  ];
  it.each(rows)("$actor: $name", async (row) => {
    const source = row.request.source();
    const organization = row.actor === "otherEditor" ? w.otherOrgId : w.orgId;
    // Each refused combination: the opposite anonymity of the source (editor rows), or the source's own (outsiders).
    const anonymous = row.actor === "editor" ? source === w.named.id : true;
    const before = await translationsOf(source);
    const res = await clients[row.actor as Who].form(row.request.path, translationForm(source, organization, anonymous));
    const body = await res.text();
    expect.soft(res.status, `${row.name} answered ${res.status}`).toBe(row.expected.status);
    for (const text of row.expected.contains ?? []) expect.soft(body, `shows ${text}`).toContain(text);
    for (const text of row.expected.lacks ?? []) expect.soft(body.includes(text), `leaks ${text}`).toBe(false);
    expect(await translationsOf(source), "nothing was written").toEqual(before);
  });

  it("the refused form keeps what was typed and still translates the same post", async () => {
    const res = await clients.editor.form("/write?_action=savePost", translationForm(w.anonymous.id, w.orgId, false));
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain(`name="translation_of" value="${w.anonymous.id}"`);
    expect(body).toContain(`Capteurs de chute la nuit ${RUN}`);
  });

  it("outsiders cannot open the translation form, and see no button for it", async () => {
    const visitor = await clients.anonymous.fetch(`/en/write?translation_of=${w.anonymous.id}`);
    expect(visitor.status).toBe(303);
    expect(visitor.headers.get("location") ?? "").toContain("/signin");
    for (const who of ["otherEditor", "orgMember"] as const) {
      expect((await clients[who].fetch(`/en/write?translation_of=${w.anonymous.id}`)).status, who).toBe(403);
      const page = await (await clients[who].fetch(`/en/posts/${w.anonymous.slug}`)).text();
      expect(page, who).not.toContain("translation_of=");
    }
  });

  it("the public pages of a linked anonymous pair link each other and name nobody", async () => {
    const a = await (await clients.anonymous.fetch(`/en/posts/${w.anonymous.slug}`)).text();
    const b = await (await clients.anonymous.fetch(`/en/posts/${translationSlug}`)).text();
    expect(a).toContain(`href="/en/posts/${translationSlug}" hreflang="nl"`);
    expect(b).toContain(`href="/en/posts/${w.anonymous.slug}" hreflang="en"`);
    for (const page of [a, b]) {
      expect(page).not.toContain(w.orgName);
      expect(page).not.toContain(w.orgSlug);
      expect(page).not.toContain(w.named.slug);
    }
    // The named post of the same organisation links to neither.
    const named = await (await clients.anonymous.fetch(`/en/posts/${w.named.slug}`)).text();
    expect(named).not.toContain(w.anonymous.slug);
    expect(named).not.toContain(translationSlug);
  });
});
