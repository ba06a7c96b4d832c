// Issue 11 §19–20 as an attacker meets them on the running site: the organisation directory
// must not reveal which organisation wrote an anonymous post (its count of public posts
// stays put when one is published), and removing a member ends that member's rights with
// their very next request, while nobody but the organisation's admins can remove anyone.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { Client, type Scenario } from "./scenarios.ts";

let pb: PocketBase;
let n = 0;
const tag = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

beforeAll(async () => {
  pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
});

async function account(): Promise<{ id: string; email: string; client: () => Promise<Client> }> {
  const email = `m11-${tag()}@example.test`;
  const user = await pb.collection("users").create({
    email,
    emailVisibility: false,
    name: `Person ${tag()}`,
    role: "member",
    locale: "en",
    password: DEMO_PASSWORD,
    passwordConfirm: DEMO_PASSWORD,
    verified: true,
  });
  return { id: user.id, email, client: () => new Client().signIn(email) };
}

async function organization(members: { userId: string; role: string }[]): Promise<{ id: string; slug: string; name: string }> {
  const slug = `m11-org-${tag()}`;
  const name = `Directory Probe ${slug}`;
  const org = await pb
    .collection("organizations")
    .create({ name, slug, kind: "hospital", region: "flanders", country: "BE", verified: true, verification_status: "verified" });
  for (const m of members) await pb.collection("memberships").create({ user: m.userId, organization: org.id, role: m.role, status: "active" });
  return { id: org.id, slug, name };
}

function postFields(orgId: string, title: string, anonymous: boolean): Record<string, string> {
  return {
    kind: "case_study",
    organization: orgId,
    title,
    summary: "We switched off a sepsis model after months of alert fatigue.",
    body_md: "A general hospital tried a sepsis early-warning model on four wards and switched it off after eleven months.",
    language: "en",
    tags: "sepsis",
    outcome: "failure",
    care_settings: "hospital",
    ai_types: "predictive_model",
    lifecycle_stage: "stopped",
    lessons_md: "- Agree an alert budget first.",
    ...(anonymous ? { anonymous: "on" } : {}),
    intent: "save",
  };
}

async function writeDraft(editor: Client, orgId: string, title: string, anonymous = false): Promise<string> {
  const res = await editor.form("/write?_action=savePost", postFields(orgId, title, anonymous));
  expect(res.status).toBe(303);
  return /\/dashboard\/posts\/([a-z0-9]{15})/.exec(res.headers.get("location") ?? "")![1]!;
}

async function publish(editor: Client, orgId: string, title: string, anonymous = false): Promise<string> {
  const id = await writeDraft(editor, orgId, title, anonymous);
  expect((await editor.form(`/dashboard/posts/${id}?_action=submitPost`, { postId: id })).status).toBe(303);
  const mod = await new Client().signIn("moderator@casebook.example");
  for (const decision of ["claim", "approve"])
    expect((await mod.form(`/moderation/posts/${id}?_action=moderatePost`, { postId: id, decision, note: "" })).status).toBe(303);
  expect((await pb.collection("posts").getOne(id)).status).toBe("published");
  return id;
}

type Req = { path: string; form?: Record<string, string> };
type Step = Scenario<Req, { status: number | number[]; contains?: string[]; lacks?: string[] }> & { client: Client; after?: () => Promise<void> };

async function run(s: Step): Promise<void> {
  const res = s.request.form ? await s.client.form(s.request.path, s.request.form) : await s.client.fetch(s.request.path);
  const body = await res.text();
  const statuses = Array.isArray(s.expected.status) ? s.expected.status : [s.expected.status];
  expect(statuses, `${s.actor}: ${s.name} answered ${res.status}`).toContain(res.status);
  for (const text of s.expected.contains ?? []) expect(body, `${s.actor}: ${s.name}`).toContain(text);
  for (const text of s.expected.lacks ?? []) expect(body, `${s.actor}: ${s.name}`).not.toContain(text);
  await s.after?.();
}

describe("the organisation directory never names an anonymous post's organisation", () => {
  it("an observer compares the directory before and after an anonymous post is published", async () => {
    const editor = await account();
    const org = await organization([{ userId: editor.id, role: "editor" }]);
    const ed = await editor.client();
    await publish(ed, org.id, `Named post ${tag()}`);
    const observer = new Client();
    const directory = `/organizations?q=${encodeURIComponent(org.name)}`;
    const before = await (await observer.fetch(directory)).text();
    expect(before).toContain(org.name);
    expect(before).toContain("Posts under its name: 1");

    const secretTitle = `Anonymous confession ${tag()}`;
    await publish(ed, org.id, secretTitle, true);
    const scenarios: Step[] = [
      {
        name: "reads the directory's count after the anonymous post is public",
        actor: "observer",
        client: observer,
        request: { path: directory },
        expected: { status: 200, contains: [org.name, "Posts under its name: 1"], lacks: ["Posts under its name: 2", secretTitle] },
      },
      {
        name: "filters the directory by the organisation's kind and region",
        actor: "observer",
        client: observer,
        request: { path: `${directory}&kind=hospital&region=flanders` },
        expected: { status: 200, contains: ["Posts under its name: 1"], lacks: ["Posts under its name: 2"] },
      },
      {
        name: "opens the organisation's page",
        actor: "observer",
        client: observer,
        request: { path: `/organizations/${org.slug}` },
        expected: { status: 200, contains: ["Published posts: 1"], lacks: [secretTitle] },
      },
    ];
    for (const s of scenarios) await run(s);
  });
});

describe("removing a member ends their rights at once; only the organisation's admins remove", () => {
  it("scenarios", async () => {
    const [admin, editor, member, target, otherAdmin] = await Promise.all([account(), account(), account(), account(), account()]);
    const org = await organization([
      { userId: admin.id, role: "admin" },
      { userId: editor.id, role: "editor" },
      { userId: member.id, role: "member" },
      { userId: target.id, role: "member" },
    ]);
    await organization([{ userId: otherAdmin.id, role: "admin" }]);
    const membershipOf = async (userId: string) =>
      pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: userId, o: org.id }));
    const editorMembership = await membershipOf(editor.id);
    const targetMembership = await membershipOf(target.id);
    const ed = await editor.client();
    const draftTitle = `Ward rota draft ${tag()}`;
    const draft = await writeDraft(ed, org.id, draftTitle);
    const remove = (membershipId: string) => ({ path: `/organizations/${org.slug}?_action=removeMember`, form: { membershipId } });
    const unchanged = (id: string) => async () => expect((await pb.collection("memberships").getOne(id)).status).toBe("active");

    const scenarios: Step[] = [
      {
        name: "removes another member",
        actor: "plain member",
        client: await member.client(),
        request: remove(targetMembership.id),
        expected: { status: 403 },
        after: unchanged(targetMembership.id),
      },
      {
        name: "removes a member",
        actor: "editor",
        client: ed,
        request: remove(targetMembership.id),
        expected: { status: 403 },
        after: unchanged(targetMembership.id),
      },
      {
        name: "removes a member of another organisation",
        actor: "other org's admin",
        client: await otherAdmin.client(),
        request: remove(targetMembership.id),
        expected: { status: 403 },
        after: unchanged(targetMembership.id),
      },
      {
        name: "removes a member without signing in",
        actor: "anonymous",
        client: new Client(),
        request: remove(targetMembership.id),
        expected: { status: [401, 403] },
        after: unchanged(targetMembership.id),
      },
      {
        name: "the editor still opens the organisation's draft",
        actor: "editor",
        client: ed,
        request: { path: `/dashboard/posts/${draft}` },
        expected: { status: 200, contains: [draftTitle] },
      },
      {
        name: "removes the editor",
        actor: "org admin",
        client: await admin.client(),
        request: remove(editorMembership.id),
        expected: { status: 200, contains: ["Their rights ended immediately."] },
        after: async () => expect((await pb.collection("memberships").getOne(editorMembership.id)).status).toBe("removed"),
      },
      {
        name: "opens the organisation's draft with the session they already had",
        actor: "removed editor",
        client: ed,
        request: { path: `/dashboard/posts/${draft}` },
        expected: { status: [403, 404], lacks: [draftTitle] },
      },
      {
        name: "saves a new draft for the organisation",
        actor: "removed editor",
        client: ed,
        request: { path: "/write?_action=savePost", form: postFields(org.id, `After removal ${tag()}`, false) },
        expected: { status: [400, 403] },
        after: async () =>
          expect(
            (await pb.collection("posts").getList(1, 1, { filter: pb.filter("title ~ 'After removal' && organization = {:o}", { o: org.id }) })).totalItems,
          ).toBe(0),
      },
      {
        name: "removes the admin in return",
        actor: "removed editor",
        client: ed,
        request: remove((await membershipOf(admin.id)).id),
        expected: { status: 403 },
      },
    ];
    for (const s of scenarios) await run(s);
  });
});
