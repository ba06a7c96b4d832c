// Issue 9 §12, §13, §17, §18, §20 as an attacker meets them on the running site: replayed
// and revoked invitations, a fresh account's patient-data flag, rights kept after leaving,
// a colleague's draft, "submit" on a live post, reviewing one's own organisation request,
// and the daily caps. Actors (accounts, memberships) are set up through PocketBase as a
// superuser; everything they do goes through the site's own forms.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { Client, type Scenario } from "./scenarios.ts";

let pb: PocketBase;
let n = 0;
const tag = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
// A word no other post contains (letters only, so search treats it as one term).
const word = () => `zq${Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => "bcdfghjklmnpqrstvwx"[b % 19]).join("")}`;

beforeAll(async () => {
  pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
});

async function account(role = "member"): Promise<{ id: string; email: string; client: () => Promise<Client> }> {
  const email = `h5-${tag()}@example.test`;
  const user = await pb.collection("users").create({
    email,
    emailVisibility: false,
    name: `Person ${tag()}`,
    role,
    locale: "en",
    password: DEMO_PASSWORD,
    passwordConfirm: DEMO_PASSWORD,
    verified: true,
  });
  return { id: user.id, email, client: () => new Client().signIn(email) };
}

async function organization(members: { userId: string; role: string }[]): Promise<{ id: string; slug: string }> {
  const slug = `h5-org-${tag()}`;
  const org = await pb.collection("organizations").create({
    name: `H5 Org ${slug}`,
    slug,
    kind: "hospital",
    region: "flanders",
    country: "BE",
    verified: true,
    verification_status: "verified",
    requires_dpo_review: false,
  });
  for (const m of members) await pb.collection("memberships").create({ user: m.userId, organization: org.id, role: m.role, status: "active" });
  return { id: org.id, slug };
}

function postFields(
  orgId: string,
  title: string,
  body = "A general hospital tried a sepsis early-warning model on four wards and switched it off after eleven months.",
): Record<string, string> {
  return {
    kind: "case_study",
    organization: orgId,
    title,
    summary: "We switched off a sepsis model after months of alert fatigue.",
    body_md: body,
    language: "en",
    tags: "sepsis",
    outcome: "failure",
    care_settings: "hospital",
    ai_types: "predictive_model",
    lifecycle_stage: "stopped",
    lessons_md: "- Agree an alert budget first.",
    intent: "save",
  };
}

async function writeDraft(editor: Client, orgId: string, title: string, body?: string): Promise<string> {
  const res = await editor.form("/write?_action=savePost", postFields(orgId, title, body));
  expect(res.status).toBe(303);
  return /\/dashboard\/posts\/([a-z0-9]{15})/.exec(res.headers.get("location") ?? "")![1]!;
}

async function publish(editor: Client, orgId: string, title: string): Promise<{ id: string; slug: string }> {
  const id = await writeDraft(editor, orgId, title);
  expect((await editor.form(`/dashboard/posts/${id}?_action=submitPost`, { postId: id })).status).toBe(303);
  const mod = await new Client().signIn("moderator@casebook.example");
  for (const decision of ["claim", "approve"])
    expect((await mod.form(`/moderation/posts/${id}?_action=moderatePost`, { postId: id, decision, note: "" })).status).toBe(303);
  const record = await pb.collection("posts").getOne(id);
  expect(record.status).toBe("published");
  return { id, slug: record.slug };
}

// Waits until the outbox worker has brought the search index in line (bounded).
async function searchIds(q: string, want: (ids: string[]) => boolean): Promise<string[]> {
  let ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const res = await new Client().fetch(`/api/search?q=${encodeURIComponent(q)}`);
    ids = ((await res.json()) as { hits: { id: string }[] }).hits.map((h) => h.id);
    if (want(ids)) return ids;
    await new Promise((r) => setTimeout(r, 250));
  }
  return ids;
}

type Expected = { status: number | number[]; contains?: string[]; lacks?: string[] };
type Req = { method?: "GET" | "POST"; path: string; form?: Record<string, string> | FormData };
type Step = Scenario<Req, Expected> & { client: Client; after?: () => Promise<void> };

async function run(s: Step): Promise<void> {
  const res = s.request.method === "POST" || s.request.form ? await s.client.form(s.request.path, s.request.form ?? {}) : await s.client.fetch(s.request.path);
  const body = await res.text();
  const statuses = Array.isArray(s.expected.status) ? s.expected.status : [s.expected.status];
  expect(statuses, `${s.actor}: ${s.name} answered ${res.status}`).toContain(res.status);
  for (const text of s.expected.contains ?? []) expect(body).toContain(text);
  for (const text of s.expected.lacks ?? []) expect(body).not.toContain(text);
  await s.after?.();
}

describe("§17 rights end with membership; plain members read no drafts", () => {
  it("scenarios", async () => {
    const [editor, colleague, admin] = await Promise.all([account(), account(), account()]);
    const org = await organization([
      { userId: editor.id, role: "editor" },
      { userId: colleague.id, role: "member" },
      { userId: admin.id, role: "admin" },
    ]);
    const ed = await editor.client();
    const phone = "+32 470 98 76 54";
    const secretTitle = `Confidential draft ${word()}`;
    const draft = await writeDraft(ed, org.id, secretTitle, `For the details of the pilot, call the ward manager on ${phone} any weekday afternoon.`);
    const live = await publish(ed, org.id, `Published then left ${word()}`);
    const col = await colleague.client();
    const scenarios: Step[] = [
      {
        name: "a plain member opens a colleague's draft",
        actor: "org member",
        client: col,
        request: { path: `/dashboard/posts/${draft}` },
        expected: { status: [403, 404], lacks: [secretTitle, phone, "98 76 54"] },
      },
      {
        name: "a plain member opens its preview",
        actor: "org member",
        client: col,
        request: { path: `/dashboard/posts/${draft}/preview` },
        expected: { status: [403, 404], lacks: [secretTitle, phone] },
      },
      {
        name: "the organisation's admin opens it",
        actor: "org admin",
        client: await admin.client(),
        request: { path: `/dashboard/posts/${draft}` },
        expected: { status: 200, contains: [secretTitle] },
      },
      {
        name: "the author leaves the organisation",
        actor: "author",
        client: ed,
        request: { path: `/organizations/${org.slug}?_action=leaveOrganization`, form: { organizationId: org.id } },
        expected: { status: [200, 303] },
      },
      {
        name: "the former author opens the organisation's draft",
        actor: "former author",
        client: ed,
        request: { path: `/dashboard/posts/${draft}` },
        expected: { status: [403, 404], lacks: [secretTitle, phone] },
      },
      {
        name: "the former author withdraws the organisation's published post",
        actor: "former author",
        client: ed,
        request: { path: `/dashboard/posts/${live.id}?_action=withdrawPost`, form: { postId: live.id } },
        expected: { status: [403, 404] },
        after: async () => {
          expect((await pb.collection("posts").getOne(live.id)).status).toBe("published");
          expect((await new Client().fetch(`/posts/${live.slug}`)).status).toBe(200);
        },
      },
    ];
    for (const s of scenarios) await run(s);
  });
});

describe("§18 submit on a live post", () => {
  it("is refused, and the post stays public and searchable", async () => {
    const editor = await account();
    const org = await organization([{ userId: editor.id, role: "editor" }]);
    const ed = await editor.client();
    const w = word();
    const live = await publish(ed, org.id, `Live post ${w}`);
    expect(await searchIds(w, (ids) => ids.includes(live.id))).toContain(live.id);
    await run({
      name: "submit the published version",
      actor: "editor",
      client: ed,
      request: { path: `/dashboard/posts/${live.id}?_action=submitPost`, form: { postId: live.id } },
      expected: { status: 403 },
      after: async () => {
        expect((await pb.collection("posts").getOne(live.id)).status).toBe("published");
        expect((await new Client().fetch(`/posts/${live.slug}`)).status).toBe(200);
        await new Promise((r) => setTimeout(r, 1500)); // give the outbox worker time to act on anything queued
        expect(await searchIds(w, () => true)).toContain(live.id);
      },
    });
  });
});

describe("§12 invitations", () => {
  it("a used, replayed, revoked or orphaned invitation gives nothing", async () => {
    const [admin, admin2, invitee, other, third] = await Promise.all([account(), account(), account(), account(), account()]);
    const org = await organization([
      { userId: admin.id, role: "admin" },
      { userId: admin2.id, role: "admin" },
    ]);
    const ad = await admin.client();
    const token = async (email: string, role: string) => {
      const res = await ad.form(`/organizations/${org.slug}?_action=inviteMember`, { organizationId: org.id, email, role });
      expect(res.status).toBeLessThan(400);
      const mail = await findLatestMail(email, inject("dataDir"));
      return new URL(/https?:\/\/\S+\/invitations\/accept\?\S+/.exec(mail!.text)![0]).searchParams.get("token")!;
    };
    const editorToken = await token(invitee.email, "editor");
    const revokedToken = await token(other.email, "admin");
    const orphanToken = await token(third.email, "admin");
    const inv = await invitee.client();
    const accept = (t: string) => `/invitations/accept?${new URLSearchParams({ token: t })}&_action=acceptInvitation`;
    const membership = async (userId: string) =>
      (await pb.collection("memberships").getFullList({ filter: pb.filter("user = {:u} && organization = {:o}", { u: userId, o: org.id }) }))[0];
    const invitationId = (await pb.collection("invitations").getFirstListItem(pb.filter("organization = {:o} && email = {:e}", { o: org.id, e: other.email })))
      .id;
    const ad2 = await admin2.client();
    const scenarios: Step[] = [
      {
        name: "the invitee accepts once",
        actor: "invitee",
        client: inv,
        request: { path: accept(editorToken), form: { token: editorToken } },
        expected: { status: 303 },
      },
      {
        name: "an admin demotes the invitee to member",
        actor: "org admin",
        client: ad,
        request: { path: `/organizations/${org.slug}?_action=changeMemberRole`, form: { membershipId: "", role: "member" } },
        expected: { status: [200, 303] },
      },
      {
        name: "the invitee replays the link to get the editor role back",
        actor: "demoted invitee",
        client: inv,
        request: { path: accept(editorToken), form: { token: editorToken } },
        expected: { status: 400, contains: ["already been used"] },
        after: async () => expect((await membership(invitee.id))?.role).toBe("member"),
      },
      {
        name: "the used link no longer opens",
        actor: "anyone",
        client: new Client(),
        request: { path: `/invitations/accept?token=${editorToken}` },
        expected: { status: 410, lacks: [org.slug] },
      },
      {
        name: "an admin revokes a pending invitation",
        actor: "org admin",
        client: ad,
        request: { path: `/organizations/${org.slug}?_action=revokeInvitation`, form: { invitationId } },
        expected: { status: [200, 303] },
      },
      {
        name: "the revoked invitation is accepted anyway",
        actor: "invitee of the revoked invitation",
        client: await other.client(),
        request: { path: accept(revokedToken), form: { token: revokedToken } },
        expected: { status: 400, contains: ["withdrawn"] },
        after: async () => expect(await membership(other.id)).toBeUndefined(),
      },
      {
        name: "the list shows each invitation's status to admins",
        actor: "org admin",
        client: ad,
        request: { path: `/organizations/${org.slug}` },
        expected: { status: 200, contains: ["Accepted", "Revoked", "Waiting (valid until"] },
      },
      {
        name: "a non-admin cannot revoke",
        actor: "member",
        client: inv,
        request: { path: `/organizations/${org.slug}?_action=revokeInvitation`, form: { invitationId } },
        expected: { status: 403 },
      },
      {
        name: "the first admin is demoted by the second",
        actor: "second admin",
        client: ad2,
        request: { path: `/organizations/${org.slug}?_action=changeMemberRole`, form: { membershipId: "", role: "member" } },
        expected: { status: [200, 303] },
      },
      {
        name: "an invitation from an inviter who is no longer admin is accepted",
        actor: "third invitee",
        client: await third.client(),
        request: { path: accept(orphanToken), form: { token: orphanToken } },
        expected: { status: 400, contains: ["no longer an admin"] },
        after: async () => expect(await membership(third.id)).toBeUndefined(),
      },
    ];
    // Membership ids are only known once the invitee has joined.
    for (const s of scenarios) {
      if (s.request.form && !(s.request.form instanceof FormData) && s.request.form.membershipId === "") {
        s.request.form.membershipId = (await membership(s.name.includes("first admin") ? admin.id : invitee.id))!.id;
      }
      await run(s);
    }
  });
});

describe("§13 flags", () => {
  it("a brand-new account's patient-data flag does not take a post offline; flags are capped per day", async () => {
    const editor = await account();
    const org = await organization([{ userId: editor.id, role: "editor" }]);
    const ed = await editor.client();
    const posts: { id: string; slug: string }[] = [];
    for (let i = 0; i < 11; i++) posts.push(await publish(ed, org.id, `Flag target ${word()}`));
    const fresh = await account();
    const fc = await fresh.client();
    const flag = (p: { id: string; slug: string }, reason = "patient_data"): Req => ({
      path: `/posts/${p.slug}?_action=flagPost`,
      form: { postId: p.id, reason, note: "I think this names a patient." },
    });
    const scenarios: Step[] = [
      {
        name: "a fresh account reports patient data",
        actor: "brand-new verified account",
        client: fc,
        request: flag(posts[0]!),
        expected: { status: 200, contains: ["A moderator will look at your report."] },
        after: async () => {
          expect((await new Client().fetch(`/posts/${posts[0]!.slug}`)).status).toBe(200);
          expect((await pb.collection("posts").getOne(posts[0]!.id)).status).toBe("published");
        },
      },
      {
        name: "moderators see it at the top of their queue with a notice",
        actor: "moderator",
        client: await new Client().signIn("moderator@casebook.example"),
        request: { path: "/moderation" },
        expected: { status: 200, contains: ["Reported by readers", "A reader reported patient data", "Patient data reported"] },
      },
      {
        name: "the report says its reporter is not yet trusted",
        actor: "moderator",
        client: await new Client().signIn("moderator@casebook.example"),
        request: { path: `/moderation/posts/${posts[0]!.id}` },
        expected: { status: 200, contains: ["not yet a trusted reader (cannot hide posts)"] },
      },
      ...posts.slice(1, 10).map(
        (p, i): Step => ({
          name: `flag number ${i + 2} of the day`,
          actor: "brand-new verified account",
          client: fc,
          request: flag(p, "spam"),
          expected: { status: 200 },
        }),
      ),
      {
        name: "the eleventh flag of the day",
        actor: "brand-new verified account",
        client: fc,
        request: flag(posts[10]!, "spam"),
        expected: { status: 429, contains: ["10 reports in the last 24 hours"] },
        after: async () => expect((await pb.collection("flags").getList(1, 1, { filter: pb.filter("post = {:p}", { p: posts[10]!.id }) })).totalItems).toBe(0),
      },
    ];
    for (const s of scenarios) await run(s);
  });

  it("a trusted reader's patient-data reports sent all at once take no more posts offline than one after another", async () => {
    const [writer, reader] = [await account(), await account()];
    const org = await organization([{ userId: writer.id, role: "editor" }]);
    const readerOrg = await organization([{ userId: reader.id, role: "editor" }]);
    const rc = await reader.client();
    // The reader is trusted: they wrote a published post of a verified organisation.
    await publish(rc, readerOrg.id, `The reader's own story ${word()}`);
    const wc = await writer.client();
    const posts: { id: string; slug: string }[] = [];
    for (let i = 0; i < 6; i++) posts.push(await publish(wc, org.id, `Report target ${word()}`));
    const answers = await Promise.all(
      posts.map((p) => rc.form(`/posts/${p.slug}?_action=flagPost`, { postId: p.id, reason: "patient_data", note: "A birth date and initials." })),
    );
    await Promise.all(answers.map((a) => a.arrayBuffer()));
    // Each report is taken (a post it hid answers with a redirect away from its page).
    for (const a of answers) expect([200, 303]).toContain(a.status);
    // Three a day, as one after another: the other reports wait for a moderator, their posts stay online.
    const offline = [];
    for (const p of posts) if ((await new Client().fetch(`/posts/${p.slug}`)).status !== 200) offline.push(p.id);
    expect(offline).toHaveLength(3);
    const hidden = await pb.collection("posts").getFullList({ filter: posts.map((p) => pb.filter("id = {:id}", { id: p.id })).join(" || "), fields: "status" });
    expect(hidden.filter((p) => p.status === "hidden")).toHaveLength(3);
  });

  it("a post a moderator put back online is not taken offline again by the flags that hid it, nor by one more", async () => {
    const author = await account();
    const post = await publish(await author.client(), (await organization([{ userId: author.id, role: "editor" }])).id, `Restored target ${word()}`);
    // Trusted readers: each has published a post of their own organisation.
    const readers: Client[] = [];
    for (let i = 0; i < 4; i++) {
      const reader = await account();
      const client = await reader.client();
      await publish(client, (await organization([{ userId: reader.id, role: "editor" }])).id, `Reader's own post ${word()}`);
      readers.push(client);
    }
    const flag = (client: Client, name: string): Step => ({
      name,
      actor: "trusted reader",
      client,
      request: { path: `/posts/${post.slug}?_action=flagPost`, form: { postId: post.id, reason: "spam", note: "This reads like an advert." } },
      expected: { status: 200, contains: ["A moderator will look at your report."] },
    });
    const online = (expected: boolean) => async () => {
      expect((await new Client().fetch(`/posts/${post.slug}`)).status).toBe(expected ? 200 : 404);
      expect((await pb.collection("posts").getOne(post.id)).status).toBe(expected ? "published" : "hidden");
    };
    const scenarios: Step[] = [
      { ...flag(readers[0]!, "the first of three trusted readers flags it"), after: online(true) },
      { ...flag(readers[1]!, "the second flags it"), after: online(true) },
      // The page the reader was on is gone: they are sent on (303) rather than shown a 404.
      { ...flag(readers[2]!, "the third flags it: the post goes offline at once"), expected: { status: 303 }, after: online(false) },
      {
        name: "a moderator restores it",
        actor: "moderator",
        client: await new Client().signIn("moderator@casebook.example"),
        request: {
          path: `/moderation/posts/${post.id}?_action=moderatePost`,
          form: { postId: post.id, decision: "restore", note: "Not an advert: a report of a failed pilot." },
        },
        expected: { status: 303 },
        after: online(true),
      },
      {
        name: "a reader whose flag was dismissed flags it again",
        actor: "trusted reader",
        client: readers[0]!,
        request: flag(readers[0]!, "").request,
        expected: { status: [200, 400], contains: ["You have already flagged this post"] },
        after: online(true),
      },
      { ...flag(readers[3]!, "a fourth trusted reader flags it: one open flag, not three"), after: online(true) },
    ];
    for (const s of scenarios) await run(s);
    const flags = await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p}", { p: post.id }), sort: "created,@rowid" });
    expect(flags.map((f) => f.status)).toEqual(["dismissed", "dismissed", "dismissed", "open"]);
  });
});

describe("§20 organisation requests and invitations are limited; nobody reviews their own request", () => {
  it("scenarios", async () => {
    const moderator = await account("moderator");
    const mod = await moderator.client();
    const request = (name: string): Req => {
      const form = new FormData();
      for (const [k, v] of Object.entries({ name, kind: "research", country: "BE", region: "brussels", website: "", description: "" })) form.set(k, v);
      return { path: "/organizations/new?_action=requestOrganization", form };
    };
    const ownName = `Own Lab ${tag()}`;
    const requester = await account();
    const rq = await requester.client();
    const admin = await account();
    const org = await organization([{ userId: admin.id, role: "admin" }]);
    const ad = await admin.client();
    for (let i = 0; i < 20; i++)
      expect(
        (await ad.form(`/organizations/${org.slug}?_action=inviteMember`, { organizationId: org.id, email: `h5-inv-${tag()}@example.test`, role: "member" }))
          .status,
      ).toBeLessThan(400);
    const ownId = async () => (await pb.collection("organizations").getFirstListItem(pb.filter("name = {:n}", { n: ownName }))).id;
    const scenarios: Step[] = [
      { name: "a moderator requests an organisation", actor: "moderator", client: mod, request: request(ownName), expected: { status: 303 } },
      {
        name: "the moderation page offers no decision on one's own request",
        actor: "moderator",
        client: mod,
        request: { path: "/moderation/organizations" },
        expected: { status: 200, contains: ["another moderator decides"] },
      },
      ...(["verify", "refuse"] as const).map(
        (decision): Step => ({
          name: `the moderator forges a "${decision}" of their own request`,
          actor: "moderator",
          client: mod,
          request: { path: "/moderation/organizations?_action=reviewOrganization", form: { organizationId: "", decision, reason: "Looks fine to me." } },
          expected: { status: 403 },
          after: async () => expect((await pb.collection("organizations").getOne(await ownId())).verification_status).toBe("pending"),
        }),
      ),
      ...[1, 2, 3].map(
        (i): Step => ({
          name: `organisation request ${i} of the day`,
          actor: "member",
          client: rq,
          request: request(`Lab ${tag()}`),
          expected: { status: 303 },
        }),
      ),
      {
        name: "the fourth organisation request of the day",
        actor: "member",
        client: rq,
        request: request(`Lab ${tag()}`),
        expected: { status: 429, contains: ["3 organisations in the last 24 hours"] },
      },
      {
        name: "the 21st invitation of the day",
        actor: "org admin",
        client: ad,
        request: {
          path: `/organizations/${org.slug}?_action=inviteMember`,
          form: { organizationId: org.id, email: `h5-inv-${tag()}@example.test`, role: "member" },
        },
        expected: { status: 429, contains: ["20 invitations in the last 24 hours"] },
      },
    ];
    for (const s of scenarios) {
      if (s.request.form && !(s.request.form instanceof FormData) && s.request.form.organizationId === "") s.request.form.organizationId = await ownId();
      await run(s);
    }
  });
});

describe("a funder's recorded decision sent back for changes", () => {
  it("is edited only by the funder's editors, never through the post form, and keeps its call and applicant; published, its edits wait for a moderator", async () => {
    const [funderEditor, stranger] = await Promise.all([account(), account()]);
    const funderOrg = await organization([{ userId: funderEditor.id, role: "editor" }]);
    await pb.collection("organizations").update(funderOrg.id, { kind: "funder" });
    await organization([{ userId: stranger.id, role: "editor" }]);
    const call = await pb.collection("funding_calls").create({
      title: `Home monitoring call ${tag()}`,
      slug: `h5-call-${tag()}`,
      description: "A call for AI projects in home monitoring.",
      status: "closed",
      funder: funderOrg.id,
    });
    const fe = await funderEditor.client();
    const title = `Refused: fall sensors at home ${tag()}`;
    const recorded = await fe.form(`/calls/${call.slug}/decisions?_action=recordDecision`, {
      callId: call.id,
      title,
      applicantType: "anonymous",
      applicant: "",
      amountRequested: "90000",
      decision: "rejected",
      decidedOn: "2026-03-31",
      language: "en",
      rejectionReasons: "evaluation_plan",
      reasonText: "No evaluation plan.",
    });
    // The decisions page answers with its confirmation, not a redirect.
    expect(recorded.status).toBe(200);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("call = {:c}", { c: call.id }));
    const mod = await new Client().signIn("moderator@casebook.example");
    for (const [decision, note] of [
      ["claim", ""],
      ["request_changes", "Please add the reviewers' feedback."],
    ])
      expect((await mod.form(`/moderation/posts/${record.id}?_action=moderatePost`, { postId: record.id, decision: decision!, note: note! })).status).toBe(303);
    const links = async () => {
      const r = await pb.collection("posts").getOne(record.id);
      return { call: r.call, funder: r.funder, organization: r.organization, published_by: r.published_by, decision: r.decision, title: r.title };
    };
    const before = await links();
    const edit = (changes: Record<string, string> = {}) => ({
      postId: record.id,
      title: `${title} (edited)`,
      amountRequested: "90000",
      decidedOn: "2026-03-31",
      language: "en",
      rejectionReasons: "evaluation_plan",
      reasonText: "No evaluation plan.",
      feedback: "Reviewers asked for a **pilot** first.",
      intent: "save",
      ...changes,
    });
    const scenarios: Step[] = [
      {
        name: "an editor of another organisation saves the funder's record",
        actor: "stranger",
        client: await stranger.client(),
        request: { path: `/dashboard/posts/${record.id}?_action=saveDecision`, form: edit({ title: "Taken over by someone else" }) },
        expected: { status: [403, 404] },
        after: async () => expect(await links()).toEqual(before),
      },
      {
        name: "the funder's editor saves the record through the applicant's post form",
        actor: "funder editor",
        client: fe,
        request: {
          path: `/dashboard/posts/${record.id}?_action=savePost`,
          form: { ...postFields(funderOrg.id, "Rewritten as an application"), kind: "funding_application", postId: record.id },
        },
        expected: { status: 400, contains: ["edited in its own form"] },
        after: async () => expect(await links()).toEqual(before),
      },
      {
        name: "the funder's editor opens it",
        actor: "funder editor",
        client: fe,
        request: { path: `/dashboard/posts/${record.id}` },
        expected: { status: 200, contains: ["Edit the recorded decision", call.title], lacks: ['name="summary"'] },
      },
      {
        name: "the funder's editor edits it in its own form and submits it",
        actor: "funder editor",
        client: fe,
        request: { path: `/dashboard/posts/${record.id}?_action=saveDecision`, form: edit({ intent: "submit" }) },
        expected: { status: 303 },
        after: async () => {
          expect(await links()).toEqual({ ...before, title: `${title} (edited)` });
          expect((await pb.collection("posts").getOne(record.id)).status).toBe("submitted");
        },
      },
    ];
    for (const s of scenarios) await run(s);

    // Published, the record is edited the same way, but no edit reaches readers before a moderator approves it.
    for (const decision of ["claim", "approve"])
      expect((await mod.form(`/moderation/posts/${record.id}?_action=moderatePost`, { postId: record.id, decision, note: "" })).status).toBe(303);
    const live = await pb.collection("posts").getOne(record.id);
    expect(live.status).toBe("published");
    const reader = new Client();
    const publicPage = async () => (await reader.fetch(`/en/posts/${live.slug}`)).text();
    const corrected = `${title} (corrected)`;
    const published: Step[] = [
      {
        name: "an editor of another organisation saves the published record",
        actor: "stranger",
        client: await stranger.client(),
        request: { path: `/dashboard/posts/${record.id}?_action=saveDecision`, form: edit({ title: corrected }) },
        expected: { status: [403, 404] },
        after: async () => expect((await pb.collection("posts").getOne(record.id)).pending_revision).toBe(""),
      },
      {
        name: "the funder's editor opens the published record: its own form, saying the published version stays until approved",
        actor: "funder editor",
        client: fe,
        request: { path: `/dashboard/posts/${record.id}` },
        expected: { status: 200, contains: ["Edit the recorded decision", "The published version stays online", call.title], lacks: ['name="summary"'] },
      },
      {
        name: "the funder's editor corrects it and submits: the public page still shows what was approved",
        actor: "funder editor",
        client: fe,
        request: { path: `/dashboard/posts/${record.id}?_action=saveDecision`, form: edit({ title: corrected, amountRequested: "85000", intent: "submit" }) },
        expected: { status: 303 },
        after: async () => {
          const now = await pb.collection("posts").getOne(record.id);
          expect({ title: now.title, amount: now.amount_requested, status: now.status, revision: now.revision_status }).toEqual({
            title: live.title,
            amount: 90000,
            status: "published",
            revision: "submitted",
          });
          const page = await publicPage();
          expect(page).toContain(live.title);
          expect(page).not.toContain("(corrected)");
        },
      },
    ];
    for (const s of published) await run(s);
  });
});
