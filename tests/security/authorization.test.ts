// Issue 10 §2: authorization beyond the can() table, over real HTTP. For every Astro Action
// (posted as the page's own form posts it, `<page>?_action=<name>`) and every private route,
// one table per family: what each kind of actor gets — anonymous visitor, account without
// organisation, plain member, member (admin) of another organisation, editor (the author),
// DPO, organisation admin, platform moderator, platform admin, and a moderator who is an
// editor of the organisation and wrote some of its posts. A refused request must change
// nothing (re-read through PocketBase as a superuser) and its body must carry no private
// content: the draft's marker word, the privacy finding's excerpt, other people's e-mails.
//
// The world is built through the domain functions (as tests/security/anonymity.test.ts does);
// each actor is a fresh account signed in once through the real form.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { approvePost, claimPost, hidePost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { requestOrganization, setRequiresDpoReview } from "../../src/lib/server/orgs.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
const RUN = letters(8);
/** In every unpublished post's title and body: must never reach someone who may not see it. */
const MARKER = `zqauthz${RUN}`;
/** A phone number in the drafts' body: the privacy finding's excerpt shows it. */
const PHONE = "+32 470 98 76 54";
const PASSWORD = "a perfectly long passphrase 42";

const WHO = ["anonymous", "plain", "orgMember", "otherMember", "editor", "dpo", "orgAdmin", "moderator", "platformAdmin", "modAuthor"] as const;
type Who = (typeof WHO)[number];
const EMAIL = Object.fromEntries(WHO.map((w) => [w, `m2-${w.toLowerCase()}-${RUN}@example.test`])) as Record<Who, string>;
const VICTIM_EMAIL = `m2-victim-${RUN}@example.test`;
const INVITEE_EMAIL = `m2-invitee-${RUN}@example.test`;
const PENDING_ORG = `Requested Lab ${RUN}`;
const CONSENT_TITLE = `Refused triage pilot zqconsent${RUN}`;
const ORG_A_NAME = `Authz Hospital ${RUN}`;

type Req = { method?: "GET" | "POST"; path: string; form?: Record<string, string> | FormData };
/**
 * `location`: where a redirect points (prefix). `lacks` adds to the private content every
 * refusal must lack. `reads`: the actor may read the post and is refused only the action,
 * so the re-rendered page may show the draft (never other people's e-mails).
 */
type Expected = { status: number; location?: string; contains?: string[]; lacks?: string[]; refused: boolean; reads?: boolean; changes?: boolean };
type Row = Scenario<Req, Expected>;
/** One route or action family: a request per actor, what each must get, and the records a refusal must leave alone. */
type Family = { name: string; request: (who: Who) => Req; expected: Partial<Record<Who, Expected>>; snapshot?: () => Promise<unknown> };

// Shorthands for the tables.
// Redirects keep the page language's prefix (issue 12 §3): /en/signin for an English request.
const SIGNIN: Expected = { status: 303, location: "(/(en|fr|nl))?/signin", refused: true };
const no = (status: number, lacks: string[] = []): Expected => ({ status, lacks, refused: true });
const yes = (status: number, contains: string[] = [], lacks: string[] = []): Expected => ({ status, contains, lacks, refused: false });
const deny = (status: number): Expected => ({ status, refused: true, reads: true });
/** Allowed, and the family's subject must show the change (so the request is one the site acts on). */
const did = (status: number, contains: string[] = []): Expected => ({ status, contains, refused: false, changes: true });

let pb: PocketBase;
const clients = {} as Record<Who, Client>;
const actors = {} as Record<Exclude<Who, "anonymous">, Actor>;
const w = {} as {
  orgA: { id: string; slug: string; name: string };
  orgB: { id: string; slug: string; name: string };
  draft: { id: string; slug: string };
  editDraft: string;
  dismissDraft: string;
  findingId: string;
  dismissBySave: string;
  dismissBySaveFinding: string;
  submitDraft: string;
  withdrawDraft: string;
  dpoPost: string;
  submitted: string;
  modOwnSubmitted: string;
  live: { id: string; slug: string };
  toHide: string;
  modOwnHidden: string;
  pendingOrgId: string;
  pendingOrgSlug: string;
  invitationId: string;
  inviteToken: string;
  call: { id: string; slug: string };
  consentPost: string;
  victimSession: string;
  roleTarget: string;
  joiner: { id: string; membershipId: string };
};

const PNG = Uint8Array.from(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64"));

function caseStudy(orgId: string, title: string, secret = true): Record<string, unknown> {
  return {
    kind: "case_study",
    organization: orgId,
    title,
    summary: `We switched off a sepsis model after months of alert fatigue${secret ? ` (${MARKER})` : ""}.`,
    body_md: secret
      ? `A general hospital tried a sepsis early-warning model (${MARKER}). For details call the ward manager on ${PHONE} any weekday.`
      : "A general hospital tried a sepsis early-warning model on four wards and switched it off after eleven months.",
    language: "en",
    tags: "sepsis",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    lessons_md: "- Agree an alert budget first.",
  };
}

/** The same post as the edit form sends it. */
function postForm(orgId: string, title: string, postId?: string): Record<string, string> {
  return {
    ...(postId ? { postId } : {}),
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
    intent: "save",
  };
}

async function draftBy(author: Actor, title = `Draft ${MARKER} ${letters(6)}`): Promise<string> {
  return (await saveDraft(author, caseStudy(w.orgA.id, title))).id;
}

async function published(author: Actor): Promise<{ id: string; slug: string }> {
  const id = (await saveDraft(author, caseStudy(w.orgA.id, `Published story ${letters(8)}`, false))).id;
  await submitPost(author, id);
  await claimPost(actors.moderator, id);
  await approvePost(actors.moderator, id);
  return { id, slug: (await pb.collection("posts").getOne(id)).slug };
}

const post = (id: string) => pb.collection("posts").getOne(id, { fields: "status,revision_status,title,privacy_dismissals,claimed_by,updated" });
const sessionsOfRun = async () =>
  (await pb.collection("sessions").getFullList({ filter: pb.filter("user.email ~ {:run}", { run: RUN }), fields: "id", sort: "id" })).length;
const membership = (id: string) => pb.collection("memberships").getOne(id, { fields: "role,status,updated" });

beforeAll(async () => {
  pb = await useTestPocketBase();
  const created = {} as Record<Exclude<Who, "anonymous">, { id: string }>;
  await Promise.all(
    WHO.filter((who): who is Exclude<Who, "anonymous"> => who !== "anonymous").map(async (who) => {
      const role = who === "moderator" || who === "modAuthor" ? "moderator" : who === "platformAdmin" ? "admin" : "member";
      created[who] = await createUser(pb, { email: EMAIL[who], name: `Person ${who} ${RUN}`, role });
    }),
  );
  w.orgA = await createOrganization(
    pb,
    [
      { userId: created.orgMember.id, role: "member" },
      { userId: created.editor.id, role: "editor" },
      { userId: created.dpo.id, role: "dpo" },
      { userId: created.orgAdmin.id, role: "admin" },
      { userId: created.modAuthor.id, role: "editor" },
    ],
    { name: ORG_A_NAME },
  );
  // The other organisation is a funder, so its admin is also the one who may manage its calls.
  w.orgB = await createOrganization(pb, [{ userId: created.otherMember.id, role: "admin" }], { kind: "funder", region: "brussels", name: `Authz Fund ${RUN}` });
  for (const who of WHO) if (who !== "anonymous") actors[who] = (await loadActor(created[who].id))!;
  const { editor, modAuthor, orgAdmin, otherMember, moderator } = actors;

  const draft = await saveDraft(editor, caseStudy(w.orgA.id, `Draft ${MARKER} with attachment`), undefined, {
    add: [new File([PNG], `ward-photo-${RUN}.png`, { type: "image/png" })],
  });
  w.draft = { id: draft.id, slug: draft.slug };
  w.editDraft = await draftBy(editor);
  const toDismiss = await saveDraft(editor, { ...caseStudy(w.orgA.id, `Draft ${MARKER} to dismiss`) });
  w.dismissDraft = toDismiss.id;
  w.findingId = toDismiss.findings.find((f) => f.excerpt.includes("470"))?.id ?? "";
  expect(w.findingId, "the phone number is a privacy finding").not.toBe("");
  // "Not personal data" typed on the edit page travels with savePost (issue 11 §1).
  const toDismissBySave = await saveDraft(editor, { ...caseStudy(w.orgA.id, `Draft ${MARKER} to dismiss by saving`) });
  w.dismissBySave = toDismissBySave.id;
  w.dismissBySaveFinding = toDismissBySave.findings.find((f) => f.excerpt.includes("470"))?.id ?? "";
  w.submitDraft = await draftBy(editor);
  w.withdrawDraft = await draftBy(editor);
  await setRequiresDpoReview(orgAdmin, w.orgA.id, true);
  w.dpoPost = await draftBy(editor);
  expect((await submitPost(editor, w.dpoPost)).status).toBe("dpo_review");
  await setRequiresDpoReview(orgAdmin, w.orgA.id, false);
  w.submitted = await draftBy(editor);
  await submitPost(editor, w.submitted);
  w.modOwnSubmitted = await draftBy(modAuthor);
  await submitPost(modAuthor, w.modOwnSubmitted);
  w.live = await published(editor);
  w.toHide = (await published(editor)).id;
  w.modOwnHidden = (await published(modAuthor)).id;
  await hidePost(moderator, w.modOwnHidden, "A reader reported a patient's name.");
  w.pendingOrgSlug = (
    await requestOrganization(modAuthor, { name: PENDING_ORG, kind: "research", country: "BE", region: "brussels", website: "", description: "" })
  ).slug;
  w.pendingOrgId = (await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: w.pendingOrgSlug }))).id;
  w.call = await (async () => {
    const { slug } = await saveCall(otherMember, w.orgB.id, {
      title: `Everyday AI ${RUN}`,
      description: "A call for AI projects in everyday care, for the authorization table.",
      eligibility: "",
      budget: 100000,
      currency: "EUR",
      opens_on: "2025-01-01",
      closes_on: "2025-03-31",
      url: "",
      status: "open",
      programme: "",
    });
    return { id: (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id, slug };
  })();
  await recordDecisions(otherMember, w.call.id, [
    {
      title: CONSENT_TITLE,
      applicantType: "platform",
      applicant: w.orgA.slug,
      amountRequested: 90000,
      decision: "rejected",
      decidedOn: "2025-06-30",
      rejectionReasons: ["data_governance"],
      reasonText: "No impact assessment.",
    },
  ]);
  w.consentPost = (await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: CONSENT_TITLE }))).id;

  // Everyone signs in once, through the real form.
  clients.anonymous = new Client();
  for (const who of WHO) if (who !== "anonymous") clients[who] = await new Client().signIn(EMAIL[who], PASSWORD);

  // Someone else's session, a target for platform roles, a pending join request, and an invitation sent through the site.
  const victim = await createUser(pb, { email: VICTIM_EMAIL, name: `Victim ${RUN}` });
  await new Client().signIn(VICTIM_EMAIL, PASSWORD);
  w.victimSession = (await pb.collection("sessions").getFirstListItem(pb.filter("user = {:u}", { u: victim.id }))).id;
  w.roleTarget = (await createUser(pb, { email: `m2-roletarget-${RUN}@example.test`, name: `Role target ${RUN}` })).id;
  const joiner = await createUser(pb, { name: `Joiner ${RUN}` });
  const joinerMembership = await pb.collection("memberships").create({ user: joiner.id, organization: w.orgA.id, role: "member", status: "pending" });
  w.joiner = { id: joiner.id, membershipId: joinerMembership.id };
  await createUser(pb, { email: INVITEE_EMAIL, name: `Invitee ${RUN}` });
  const invited = await clients.orgAdmin.form(`/organizations/${w.orgA.slug}?_action=inviteMember`, {
    organizationId: w.orgA.id,
    // As an admin pastes it: the form takes the address with spaces around it and in capitals.
    email: ` ${INVITEE_EMAIL.toUpperCase()} `,
    role: "editor",
  });
  expect(invited.status).toBeLessThan(400);
  const mail = await findLatestMail(INVITEE_EMAIL, inject("dataDir"));
  w.inviteToken = new URL(/https?:\/\/\S+\/invitations\/accept\?\S+/.exec(mail!.text)![0]).searchParams.get("token")!;
  w.invitationId = (await pb.collection("invitations").getFirstListItem(pb.filter("email = {:e}", { e: INVITEE_EMAIL }))).id;
}, 240_000);

/** What no refused response may contain (a reader of the post may see the post itself). */
function privateContent(who: Who, reads = false): string[] {
  // A platform admin manages every account (/admin/users lists their addresses) and every
  // organisation's join requests (with the requester's address): addresses are not private to them.
  const emails =
    who === "platformAdmin" ? [] : (["editor", "orgMember", "dpo", "orgAdmin", "modAuthor"] as Who[]).filter((x) => x !== who).map((x) => EMAIL[x]);
  // The funder's unpublished decision: for its author, the applicant's admin, and moderators.
  const consent = ["otherMember", "orgAdmin", "moderator", "platformAdmin", "modAuthor"].includes(who) ? [] : [CONSENT_TITLE];
  if (reads) return who === "platformAdmin" ? [] : [VICTIM_EMAIL, ...emails];
  return [MARKER, PHONE, "98 76 54", VICTIM_EMAIL, ...emails, ...consent];
}

function rowsOf(family: Family): Row[] {
  return WHO.filter((who) => family.expected[who]).map((who) => ({
    name: `${family.name}`,
    actor: who,
    request: family.request(who),
    expected: family.expected[who]!,
  }));
}

async function send(who: Who, req: Req): Promise<Response> {
  const client = clients[who];
  return req.method === "POST" || req.form ? client.form(req.path, req.form ?? {}) : client.fetch(req.path);
}

async function check(family: Family): Promise<void> {
  // Refusals first: an allowed request may change the subject the others are refused on.
  const rows = rowsOf(family).sort((a, b) => Number(b.expected.refused) - Number(a.expected.refused));
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const label = `${row.actor}: ${row.name} (${row.request.form ? "POST " : ""}${row.request.path})`;
    const before = family.snapshot ? await family.snapshot() : undefined;
    const res = await send(row.actor as Who, row.request);
    const body = await res.text();
    expect.soft(res.status, `${label} answered ${res.status}`).toBe(row.expected.status);
    if (row.expected.location) expect.soft(res.headers.get("location") ?? "", label).toMatch(new RegExp(`^${row.expected.location}`));
    for (const text of row.expected.contains ?? []) expect.soft(body, `${label} shows ${text}`).toContain(text);
    if (row.expected.refused) {
      for (const text of [...privateContent(row.actor as Who, row.expected.reads), ...(row.expected.lacks ?? [])])
        expect.soft(body.includes(text), `${label} leaks ${JSON.stringify(text)}`).toBe(false);
      if (family.snapshot) expect.soft(await family.snapshot(), `${label} changed something`).toEqual(before);
    } else {
      // What an allowed answer must still not hold (someone else's data in one's own export).
      for (const text of row.expected.lacks ?? []) expect.soft(body.includes(text), `${label} leaks ${JSON.stringify(text)}`).toBe(false);
    }
    if (!row.expected.refused && row.expected.changes) {
      expect(family.snapshot, `${row.name} needs a snapshot`).toBeDefined();
      expect.soft(await family.snapshot!(), `${label} changed nothing`).not.toEqual(before);
    }
  }
}

// Each family's table: who gets what. Omitted actors are covered by a neighbouring family.
const ALL_SIGNED_IN = (e: Expected): Partial<Record<Who, Expected>> => Object.fromEntries(WHO.filter((x) => x !== "anonymous").map((x) => [x, e]));

const FAMILIES: Family[] = [
  // ── Private routes ─────────────────────────────────────────────────────────────
  {
    name: "the DPO's sign-off list",
    request: () => ({ path: "/dashboard/signoff" }),
    expected: {
      anonymous: SIGNIN,
      ...ALL_SIGNED_IN(no(200)),
      dpo: yes(200, [MARKER]),
    },
  },
  {
    name: "the dashboard lists only one's own drafts",
    request: () => ({ path: "/dashboard" }),
    expected: {
      anonymous: SIGNIN,
      ...ALL_SIGNED_IN(no(200, [CONSENT_TITLE])),
      editor: yes(200, [MARKER]),
      // The DPO's tasks are counted on the dashboard and listed on /dashboard/signoff (issue 11 §7).
      dpo: yes(200, ["/dashboard/signoff"]),
      modAuthor: yes(200, [MARKER]),
      // The funder wrote the decision; the applicant's admin is asked for consent (until answered: no CONSENT_TITLE check, the answerConsent row may run first).
      otherMember: yes(200, [CONSENT_TITLE]),
      orgAdmin: yes(200),
    },
  },
  {
    name: "a draft's private page",
    request: () => ({ path: `/dashboard/posts/${w.draft.id}` }),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: yes(200, [MARKER, PHONE]),
      dpo: yes(200, [MARKER, PHONE]),
      orgAdmin: yes(200, [MARKER]),
      moderator: yes(200, [MARKER]),
      platformAdmin: yes(200, [MARKER]),
      modAuthor: yes(200, [MARKER]),
    },
  },
  {
    name: "a draft's preview",
    request: () => ({ path: `/dashboard/posts/${w.draft.id}/preview` }),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: yes(200, [MARKER]),
      dpo: yes(200, [MARKER]),
      moderator: yes(200, [MARKER]),
    },
  },
  {
    name: "a draft's attachment",
    request: () => ({ path: `/dashboard/posts/${w.draft.id}/attachments/1` }),
    expected: {
      anonymous: no(404),
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: yes(200),
      dpo: yes(200),
      orgAdmin: yes(200),
      moderator: yes(200),
      modAuthor: yes(200),
    },
  },
  {
    name: "a draft's attachment under the public address",
    request: () => ({ path: `/posts/${w.draft.slug}/attachments/1` }),
    expected: { anonymous: no(404), orgMember: no(404), editor: no(404), moderator: no(404) },
  },
  {
    name: "a draft under the public post address",
    request: () => ({ path: `/posts/${w.draft.slug}` }),
    expected: { anonymous: no(404), orgMember: no(404), editor: no(404), moderator: no(404) },
  },
  {
    name: "a draft through the JSON API",
    request: () => ({ path: `/api/posts/${w.draft.slug}` }),
    expected: { anonymous: no(404), orgMember: no(404), editor: no(404), moderator: no(404) },
  },
  {
    name: "the write page",
    request: () => ({ path: "/write" }),
    expected: { anonymous: SIGNIN, plain: no(200, ['action="?_action=savePost"']), editor: yes(200, ['action="?_action=savePost"']) },
  },
  {
    name: "the moderation queue",
    request: () => ({ path: "/moderation" }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      dpo: no(403),
      orgAdmin: no(403),
      moderator: yes(200, [MARKER]),
      platformAdmin: yes(200, [MARKER]),
      modAuthor: yes(200),
    },
  },
  {
    name: "a submitted post's moderation page",
    request: () => ({ path: `/moderation/posts/${w.submitted}` }),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: no(404),
      dpo: no(404),
      orgAdmin: no(404),
      moderator: yes(200, [MARKER]),
      platformAdmin: yes(200, [MARKER]),
      // Reading is a moderator's right; deciding on one's own organisation's post is not.
      modAuthor: yes(200, [MARKER, "You cannot decide on this post"]),
    },
  },
  {
    name: "organisations waiting for verification",
    request: () => ({ path: "/moderation/organizations" }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403, [PENDING_ORG]),
      orgMember: no(403, [PENDING_ORG]),
      editor: no(403, [PENDING_ORG]),
      orgAdmin: no(403, [PENDING_ORG]),
      otherMember: no(403, [PENDING_ORG]),
      moderator: yes(200, [PENDING_ORG, EMAIL.modAuthor]),
      modAuthor: yes(200, [PENDING_ORG, "another moderator decides"]),
    },
  },
  {
    name: "the platform's accounts",
    request: () => ({ path: `/admin/users?q=${encodeURIComponent(RUN)}` }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      orgAdmin: no(403),
      otherMember: no(403),
      moderator: no(403),
      modAuthor: no(403),
      platformAdmin: yes(200, [EMAIL.editor]),
    },
  },
  {
    name: "the account page shows one's own data only",
    request: () => ({ path: "/account" }),
    expected: { anonymous: SIGNIN, plain: yes(200, [EMAIL.plain]), orgMember: yes(200, [EMAIL.orgMember]) },
  },
  {
    name: "the account export",
    request: () => ({ path: "/account/export" }),
    // Each person's export holds their own records only: not a colleague's drafts nor anyone else's address.
    expected: {
      anonymous: no(401),
      plain: yes(200, [EMAIL.plain], [MARKER, PHONE, EMAIL.editor, EMAIL.orgMember]),
      orgMember: yes(200, [EMAIL.orgMember, ORG_A_NAME], [MARKER, PHONE, EMAIL.editor, EMAIL.orgAdmin, EMAIL.dpo]),
      editor: yes(200, [EMAIL.editor, MARKER], [EMAIL.orgMember, EMAIL.orgAdmin, EMAIL.dpo, EMAIL.modAuthor]),
      platformAdmin: yes(200, [EMAIL.platformAdmin], [MARKER, PHONE, EMAIL.editor, EMAIL.orgMember]),
    },
  },
  {
    name: "a funder's new-call page",
    request: () => ({ path: `/calls/new?funder=${w.orgB.id}` }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      editor: no(403),
      orgAdmin: no(403),
      moderator: no(403),
      platformAdmin: no(403),
      otherMember: yes(200),
    },
  },
  {
    name: "a call's decisions page",
    request: () => ({ path: `/calls/${w.call.slug}/decisions` }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      editor: no(403),
      orgAdmin: no(403),
      moderator: no(403),
      platformAdmin: no(403),
      otherMember: yes(200),
    },
  },
  {
    name: "the organisation page shows members' e-mails to its admins only",
    request: () => ({ path: `/organizations/${w.orgA.slug}` }),
    expected: {
      anonymous: no(200, [INVITEE_EMAIL]),
      plain: no(200, [INVITEE_EMAIL]),
      orgMember: no(200, [INVITEE_EMAIL]),
      otherMember: no(200, [INVITEE_EMAIL]),
      editor: no(200, [INVITEE_EMAIL]),
      dpo: no(200, [INVITEE_EMAIL]),
      moderator: no(200, [INVITEE_EMAIL]),
      modAuthor: no(200, [INVITEE_EMAIL]),
      orgAdmin: yes(200, [EMAIL.editor, INVITEE_EMAIL]),
      platformAdmin: yes(200, [EMAIL.editor, INVITEE_EMAIL]),
    },
  },
  {
    name: "the invitation page without a valid token",
    request: () => ({ path: `/invitations/accept?token=${"x".repeat(43)}` }),
    expected: { anonymous: no(410, [INVITEE_EMAIL, ORG_A_NAME]), plain: no(410, [INVITEE_EMAIL, ORG_A_NAME]), orgAdmin: no(410, [INVITEE_EMAIL]) },
  },
  {
    name: "an organisation waiting for verification, by its page",
    request: () => ({ path: `/organizations/${w.pendingOrgSlug}` }),
    expected: {
      anonymous: no(404, [PENDING_ORG]),
      plain: no(404, [PENDING_ORG]),
      orgMember: no(404, [PENDING_ORG]),
      orgAdmin: no(404, [PENDING_ORG]),
      otherMember: no(404, [PENDING_ORG]),
      modAuthor: yes(200, [PENDING_ORG]),
      moderator: yes(200, [PENDING_ORG]),
    },
  },
  {
    name: "the new-organisation page",
    request: () => ({ path: "/organizations/new" }),
    expected: { anonymous: SIGNIN, plain: yes(200) },
  },

  // ── Post actions, posted to the page that hosts their form ─────────────────────
  {
    name: "savePost on someone's draft",
    request: (who) => ({ path: `/dashboard/posts/${w.editDraft}?_action=savePost`, form: postForm(w.orgA.id, `Overwritten by ${who} ${RUN}`, w.editDraft) }),
    snapshot: () => post(w.editDraft),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      dpo: deny(403),
      moderator: deny(403),
      platformAdmin: deny(403),
      orgAdmin: did(303),
    },
  },
  {
    name: "savePost of a new post for the organisation",
    request: (who) => ({ path: "/write?_action=savePost", form: postForm(w.orgA.id, `New post by ${who} ${RUN}`) }),
    snapshot: async () => (await pb.collection("posts").getFullList({ filter: pb.filter("organization = {:o}", { o: w.orgA.id }), fields: "id" })).length,
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      dpo: no(403),
      moderator: no(403),
      platformAdmin: no(403),
      editor: did(303),
    },
  },
  {
    name: "dismissFinding on someone's draft",
    request: () => ({
      path: `/dashboard/posts/${w.dismissDraft}?_action=dismissFinding`,
      form: { postId: w.dismissDraft, findingId: w.findingId, reason: "Not personal data, I promise." },
    }),
    snapshot: () => post(w.dismissDraft),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      dpo: deny(403),
      moderator: deny(403),
      platformAdmin: deny(403),
      editor: did(303),
    },
  },
  {
    name: "savePost declaring someone's finding not personal data",
    request: (who) => ({
      path: `/dashboard/posts/${w.dismissBySave}?_action=savePost`,
      form: {
        ...postForm(w.orgA.id, `Draft ${MARKER} to dismiss by saving`, w.dismissBySave),
        body_md: String(caseStudy(w.orgA.id, "").body_md),
        dismissIds: w.dismissBySaveFinding,
        dismissReasons: `Not personal data, says ${who}.`,
        dismiss: w.dismissBySaveFinding,
      },
    }),
    snapshot: () => post(w.dismissBySave),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      dpo: deny(403),
      moderator: deny(403),
      platformAdmin: deny(403),
      editor: did(303),
    },
  },
  {
    name: "submitPost of someone's draft",
    request: () => ({ path: `/dashboard/posts/${w.submitDraft}?_action=submitPost`, form: { postId: w.submitDraft } }),
    snapshot: () => post(w.submitDraft),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      dpo: deny(403),
      moderator: deny(403),
      platformAdmin: deny(403),
      modAuthor: did(303),
    },
  },
  {
    name: "withdrawPost of someone's draft",
    request: () => ({ path: `/dashboard/posts/${w.withdrawDraft}?_action=withdrawPost`, form: { postId: w.withdrawDraft } }),
    snapshot: () => post(w.withdrawDraft),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      dpo: deny(403),
      modAuthor: deny(403),
      moderator: deny(403),
      platformAdmin: deny(403),
      orgAdmin: did(303),
    },
  },
  {
    name: "dpoReview of a post waiting for the DPO",
    request: () => ({ path: `/dashboard/posts/${w.dpoPost}?_action=dpoReview`, form: { postId: w.dpoPost, decision: "approve", note: "" } }),
    snapshot: () => post(w.dpoPost),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: deny(403),
      orgAdmin: deny(403),
      moderator: deny(403),
      platformAdmin: deny(403),
      dpo: did(303),
    },
  },
  {
    name: "moderatePost: claim a submitted post",
    request: () => ({ path: `/moderation/posts/${w.submitted}?_action=moderatePost`, form: { postId: w.submitted, decision: "claim", note: "" } }),
    snapshot: () => post(w.submitted),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: no(404),
      dpo: no(404),
      orgAdmin: no(404),
      modAuthor: deny(403),
      moderator: did(303),
    },
  },
  {
    name: "moderatePost: a moderator claims the post they wrote",
    request: () => ({ path: `/moderation/posts/${w.modOwnSubmitted}?_action=moderatePost`, form: { postId: w.modOwnSubmitted, decision: "claim", note: "" } }),
    snapshot: () => post(w.modOwnSubmitted),
    expected: { modAuthor: deny(403), platformAdmin: did(303) },
  },
  {
    name: "moderatePost: claim a funder's record about the moderator's organisation",
    request: () => ({ path: `/moderation/posts/${w.consentPost}?_action=moderatePost`, form: { postId: w.consentPost, decision: "claim", note: "" } }),
    snapshot: () => post(w.consentPost),
    // A moderator with no stake is refused only because the applicant has not answered yet (issue 11 §10).
    expected: { modAuthor: deny(403), moderator: { status: 400, contains: ["consent request"], refused: true, reads: true } },
  },
  {
    name: "moderatePost: hide a published post",
    request: () => ({
      path: `/moderation/posts/${w.toHide}?_action=moderatePost`,
      form: { postId: w.toHide, decision: "hide", note: "Hidden for the authorization table." },
    }),
    snapshot: () => post(w.toHide),
    expected: {
      anonymous: SIGNIN,
      plain: no(404),
      orgMember: no(404),
      otherMember: no(404),
      editor: no(404),
      dpo: no(404),
      orgAdmin: no(404),
      moderator: did(303),
    },
  },
  {
    name: "moderatePost: restore the hidden post a moderator wrote",
    request: () => ({
      path: `/moderation/posts/${w.modOwnHidden}?_action=moderatePost`,
      form: { postId: w.modOwnHidden, decision: "restore", note: "Nothing wrong with my post." },
    }),
    snapshot: () => post(w.modOwnHidden),
    expected: {
      anonymous: SIGNIN,
      orgMember: no(404),
      editor: no(404),
      orgAdmin: no(404),
      modAuthor: deny(403),
      moderator: did(303),
    },
  },
  {
    name: "flagPost on a published post",
    request: () => ({ path: `/posts/${w.live.slug}?_action=flagPost`, form: { postId: w.live.id, reason: "inaccurate", note: "" } }),
    snapshot: async () => (await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p}", { p: w.live.id }), fields: "id" })).length,
    expected: { anonymous: no(403), editor: no(403), plain: did(200, ["A moderator will look at your report."]) },
  },

  // ── Organisation actions ──────────────────────────────────────────────────────
  {
    name: "changeMemberRole: make the plain member an admin",
    request: () => ({ path: `/organizations/${w.orgA.slug}?_action=changeMemberRole`, form: { membershipId: orgMembership("orgMember"), role: "admin" } }),
    snapshot: () => membership(orgMembership("orgMember")),
    expected: {
      anonymous: no(403),
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      dpo: no(403),
      moderator: no(403),
      modAuthor: no(403),
    },
  },
  {
    name: "changeMemberRole: an admin changes the DPO's role (and back)",
    request: (who) => ({
      path: `/organizations/${w.orgA.slug}?_action=changeMemberRole`,
      form: { membershipId: orgMembership("dpo"), role: who === "orgAdmin" ? "editor" : "dpo" },
    }),
    snapshot: () => membership(orgMembership("dpo")),
    expected: { orgAdmin: did(200), platformAdmin: did(200) },
  },
  {
    name: "decideJoinRequest: accept a pending request as admin",
    request: () => ({
      path: `/organizations/${w.orgA.slug}?_action=decideJoinRequest`,
      form: { membershipId: w.joiner.membershipId, decision: "approve", role: "admin" },
    }),
    snapshot: () => membership(w.joiner.membershipId),
    expected: {
      anonymous: no(403),
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      dpo: no(403),
      moderator: no(403),
      modAuthor: no(403),
      orgAdmin: did(200),
    },
  },
  {
    name: "inviteMember to the organisation",
    request: (who) => ({
      path: `/organizations/${w.orgA.slug}?_action=inviteMember`,
      form: { organizationId: w.orgA.id, email: `m2-by-${who.toLowerCase()}-${RUN}@example.test`, role: "admin" },
    }),
    snapshot: async () => (await pb.collection("invitations").getFullList({ filter: pb.filter("organization = {:o}", { o: w.orgA.id }), fields: "id" })).length,
    expected: {
      anonymous: no(403),
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      dpo: no(403),
      moderator: no(403),
      modAuthor: no(403),
      orgAdmin: did(200),
    },
  },
  {
    name: "revokeInvitation of the organisation's invitation",
    request: () => ({ path: `/organizations/${w.orgA.slug}?_action=revokeInvitation`, form: { invitationId: w.invitationId } }),
    snapshot: () => pb.collection("invitations").getOne(w.invitationId, { fields: "revoked_at,accepted_at" }),
    expected: {
      anonymous: no(403),
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      dpo: no(403),
      moderator: no(403),
      modAuthor: no(403),
    },
  },
  {
    name: "acceptInvitation with someone else's token",
    request: () => ({
      path: `/invitations/accept?${new URLSearchParams({ token: w.inviteToken })}&_action=acceptInvitation`,
      form: { token: w.inviteToken },
    }),
    snapshot: () => pb.collection("invitations").getOne(w.invitationId, { fields: "revoked_at,accepted_at" }),
    expected: { anonymous: no(400), plain: no(400), orgMember: no(400), otherMember: no(400) },
  },
  {
    name: "setDpoReview of the organisation",
    request: () => ({ path: `/organizations/${w.orgA.slug}?_action=setDpoReview`, form: { organizationId: w.orgA.id, required: "yes" } }),
    snapshot: () => pb.collection("organizations").getOne(w.orgA.id, { fields: "requires_dpo_review" }),
    expected: {
      anonymous: no(403),
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      dpo: no(403),
      moderator: no(403),
      modAuthor: no(403),
    },
  },
  {
    name: "leaveOrganization one does not belong to",
    request: () => ({ path: `/organizations/${w.orgA.slug}?_action=leaveOrganization`, form: { organizationId: w.orgA.id } }),
    snapshot: async () =>
      await pb.collection("memberships").getFullList({ filter: pb.filter("organization = {:o}", { o: w.orgA.id }), fields: "id,status,role", sort: "id" }),
    expected: { anonymous: no(403), plain: no(403), otherMember: no(403), moderator: no(403), platformAdmin: deny(403) },
  },
  {
    name: "requestOrganization",
    request: (who) => {
      const form = new FormData();
      for (const [k, v] of Object.entries({ name: `Lab of ${who} ${RUN}`, kind: "research", country: "BE", region: "brussels", website: "", description: "" }))
        form.set(k, v);
      return { path: "/organizations/new?_action=requestOrganization", form };
    },
    snapshot: async () =>
      (await pb.collection("organizations").getFullList({ filter: pb.filter("name ~ {:n}", { n: `Lab of anonymous ${RUN}` }), fields: "id" })).length,
    expected: { anonymous: SIGNIN },
  },
  {
    name: "requestToJoin",
    request: () => ({ path: `/organizations/${w.orgA.slug}?_action=requestToJoin`, form: { organizationId: w.orgA.id } }),
    snapshot: async () =>
      (await pb.collection("memberships").getFullList({ filter: pb.filter("organization = {:o}", { o: w.orgA.id }), fields: "id,status" })).length,
    expected: { anonymous: no(403), orgMember: no(403) },
  },
  {
    name: "reviewOrganization of a moderator's own request",
    request: () => ({ path: "/moderation/organizations?_action=reviewOrganization", form: { organizationId: w.pendingOrgId, decision: "verify", reason: "" } }),
    snapshot: () => pb.collection("organizations").getOne(w.pendingOrgId, { fields: "verified,verification_status" }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      otherMember: no(403),
      editor: no(403),
      orgAdmin: no(403),
      modAuthor: no(403),
    },
  },
  {
    name: "setPlatformRole",
    request: (who) => ({
      path: "/admin/users?_action=setPlatformRole",
      form: { userId: who === "platformAdmin" ? w.roleTarget : actors[who === "anonymous" ? "plain" : who].id, role: "admin" },
    }),
    snapshot: async () => await pb.collection("users").getFullList({ filter: pb.filter("email ~ {:run}", { run: RUN }), fields: "id,role", sort: "id" }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      orgAdmin: no(403),
      otherMember: no(403),
      moderator: no(403),
      modAuthor: no(403),
      platformAdmin: did(200),
    },
  },
  {
    name: "setPlatformRole on one's own account",
    request: () => ({ path: "/admin/users?_action=setPlatformRole", form: { userId: actors.platformAdmin.id, role: "member" } }),
    snapshot: () => pb.collection("users").getOne(actors.platformAdmin.id, { fields: "role" }),
    expected: { platformAdmin: deny(403) },
  },

  // ── Funding actions ───────────────────────────────────────────────────────────
  {
    name: "saveCall on the funder's call",
    request: () => ({
      path: `/calls/new?funder=${w.orgB.id}&_action=saveCall`,
      form: {
        funderId: w.orgB.id,
        callId: w.call.id,
        title: `Taken over ${RUN}`,
        description: "A call rewritten by someone who may not.",
        eligibility: "",
        budget: "",
        currency: "EUR",
        opens_on: "",
        closes_on: "",
        url: "",
        status: "open",
        programme: "",
      },
    }),
    snapshot: () => pb.collection("funding_calls").getOne(w.call.id, { fields: "title,description,updated" }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      editor: no(403),
      orgAdmin: no(403),
      moderator: no(403),
      platformAdmin: no(403),
    },
  },
  {
    name: "recordDecision on the funder's call",
    request: (who) => ({
      path: `/calls/${w.call.slug}/decisions?_action=recordDecision`,
      form: {
        callId: w.call.id,
        title: `Decision forged by ${who} ${RUN}`,
        applicantType: "outside",
        applicant: "Some Hospital",
        amountRequested: "1000",
        amountAwarded: "1000",
        decision: "awarded",
        decidedOn: "2025-06-30",
      },
    }),
    snapshot: async () => (await pb.collection("posts").getFullList({ filter: pb.filter("call = {:c}", { c: w.call.id }), fields: "id" })).length,
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      editor: no(403),
      orgAdmin: no(403),
      moderator: no(403),
      platformAdmin: no(403),
      otherMember: did(200),
    },
  },
  {
    name: "importDecisions on the funder's call",
    request: () => {
      const form = new FormData();
      form.set("callId", w.call.id);
      form.set("file", new File(["title,decision\nForged,awarded\n"], "decisions.csv", { type: "text/csv" }));
      return { path: `/calls/${w.call.slug}/decisions?_action=importDecisions`, form };
    },
    snapshot: async () => (await pb.collection("posts").getFullList({ filter: pb.filter("call = {:c}", { c: w.call.id }), fields: "id" })).length,
    expected: { anonymous: SIGNIN, plain: no(403), orgMember: no(403), editor: no(403), orgAdmin: no(403), moderator: no(403), platformAdmin: no(403) },
  },
  {
    name: "answerConsent for the applicant organisation",
    request: () => ({ path: "/dashboard?_action=answerConsent", form: { postId: w.consentPost, answer: "grant" } }),
    snapshot: () => pb.collection("posts").getOne(w.consentPost, { fields: "consent,applicant_anonymous" }),
    expected: {
      anonymous: SIGNIN,
      plain: no(403),
      orgMember: no(403),
      // Their dashboard lists their own drafts (the DPO: its queue) next to the refusal.
      editor: deny(403),
      dpo: deny(403),
      otherMember: no(403),
      moderator: no(403),
      platformAdmin: no(403),
      orgAdmin: did(200),
    },
  },

  // ── Account actions: only ever on one's own account ───────────────────────────
  {
    name: "revokeSession of someone else's session",
    request: () => ({ path: "/account?_action=revokeSession", form: { sessionId: w.victimSession } }),
    snapshot: async () => (await pb.collection("sessions").getFullList({ filter: pb.filter("id = {:s}", { s: w.victimSession }), fields: "id" })).length,
    // Answered as for a session that already ended: no oracle for other people's session ids.
    expected: { anonymous: SIGNIN, plain: no(404), platformAdmin: no(404), moderator: no(404) },
  },
  {
    name: "updateProfile without an account",
    request: () => ({ path: "/account?_action=updateProfile", form: { name: `Person plain ${RUN}`, locale: "en" } }),
    // Saved: the account page again, in the language just saved (issue 12 §3).
    expected: { anonymous: SIGNIN, plain: { ...yes(303), location: "/en/account\\?saved=1" } },
  },
  {
    name: "revokeAllSessions without an account",
    request: () => ({ path: "/account?_action=revokeAllSessions", form: {} }),
    snapshot: () => sessionsOfRun(),
    expected: { anonymous: SIGNIN },
  },
  {
    name: "deleteAccount without an account",
    request: () => ({ path: "/account?_action=deleteAccount", form: { publishedPosts: "keep", confirm: "DELETE" } }),
    snapshot: async () => await pb.collection("users").getFullList({ filter: pb.filter("email ~ {:run}", { run: RUN }), fields: "id", sort: "id" }),
    expected: { anonymous: SIGNIN },
  },
];

const memberships = new Map<Who, string>();
function orgMembership(who: Who): string {
  return memberships.get(who) ?? "";
}

// Allowed rows change their subjects (a DPO sign-off empties the DPO's queue, for one), and
// later families expect the state the earlier ones leave: they run in the order written,
// also under --sequence.shuffle (files still shuffle).
describe("authorization beyond can(): every action and private route, by every kind of actor", { shuffle: false }, () => {
  beforeAll(async () => {
    for (const who of ["orgMember", "dpo"] as const) {
      memberships.set(
        who,
        (await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: actors[who].id, o: w.orgA.id }))).id,
      );
    }
  });

  it.each(FAMILIES.map((f) => [f.name, f] as const))("%s", async (_name, family) => {
    await check(family);
  });
});
