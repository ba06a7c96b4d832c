// Issue 14 §3: attacks on a round table over real HTTP, against the real site and PocketBase.
// What an attacker tries and what they must observe:
// - read the preparation space, its attachments, the sessions' place and online link, or who was
//   invited, as a visitor, an outsider, an invited organisation that has not answered, one that
//   declined, or a platform moderator (moderators are not participants): nothing of it is served;
// - write in the preparation space without taking part, or after the round table is closed;
// - answer an invitation for another organisation, or as a plain member; withdraw one without being the host's editor;
// - break out of the PocketBase filter through the slug, the session or message id, or the form.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { postPreparationMessage } from "../../src/lib/server/roundtables/preparation.ts";
import { createRoundTable, loadRoundTable, respondToInvitation, updateRoundTable } from "../../src/lib/server/roundtables/roundtables.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { pdfWithMetadata } from "../helpers/files.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client } from "./scenarios.ts";

const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
// Letters only, so the search engine would tokenise it as one word if it ever indexed it.
const MARKER = `prepsecret${letters(8)}`;
const PLACE = `Salle Confidentielle ${letters(6)}`;
const LINK = `https://meet.example.org/${letters(12)}`;
const DAY = 86_400_000;
const ahead = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

type Login = { email: string; password: string };
let pb: PocketBase;
let logins: Record<"hostMember" | "participant" | "acceptAdmin" | "declineAdmin" | "silentAdmin" | "outsider" | "moderator", Login>;
let actors: Record<"hostEditor" | "acceptAdmin" | "participant" | "declineAdmin", Actor>;
let orgs: Record<"host" | "accepting" | "declining" | "silent", { id: string; slug: string; name: string }>;
let table: { id: string; slug: string; sessionId: string; participantOf: (orgId: string) => string };
let messageId: string;

function roundTableForm(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: `Triage chatbots in home care ${letters(6)}`,
    description: "What worked and what failed.",
    languages: ["fr"],
    host_contact: "Marie Dubois, marie@example.test",
    status: "open",
    invite: [orgs.accepting.id, orgs.declining.id, orgs.silent.id],
    s0_date: ahead(20),
    s0_start: "14:00",
    s0_end: "16:00",
    s0_zone: "Europe/Brussels",
    s0_place: PLACE,
    s0_url: LINK,
    s0_agenda: "1. Introductions",
    ...extra,
  };
}

async function messages(tableId: string): Promise<number> {
  return (await pb.collection("preparation_messages").getList(1, 1, { filter: pb.filter("round_table = {:t}", { t: tableId }) })).totalItems;
}

async function as(who: keyof typeof logins | "visitor"): Promise<Client> {
  const client = new Client();
  return who === "visitor" ? client : client.signIn(logins[who].email, logins[who].password);
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [he, hm, aa, am, da, sa, o, mod] = await Promise.all([
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb, { role: "moderator" }),
  ]);
  const u = letters(6);
  orgs = {
    host: await createOrganization(pb, [
      { userId: he.id, role: "editor" },
      { userId: hm.id, role: "member" },
    ]),
    accepting: await createOrganization(
      pb,
      [
        { userId: aa.id, role: "admin" },
        { userId: am.id, role: "member" },
      ],
      { name: `Thuiszorg Aanvaard ${u}` },
    ),
    declining: await createOrganization(pb, [{ userId: da.id, role: "admin" }], { name: `Hopital Refus ${u}` }),
    silent: await createOrganization(pb, [{ userId: sa.id, role: "admin" }], { name: `Zorgnet Stil ${u}` }),
  };
  await createOrganization(pb, [{ userId: o.id, role: "admin" }]);
  logins = { hostMember: hm, participant: am, acceptAdmin: aa, declineAdmin: da, silentAdmin: sa, outsider: o, moderator: mod };
  const [hostEditor, acceptAdmin, participant, declineAdmin] = (await Promise.all([he, aa, am, da].map((x) => loadActor(x.id)))) as Actor[];
  actors = { hostEditor: hostEditor!, acceptAdmin: acceptAdmin!, participant: participant!, declineAdmin: declineAdmin! };

  const { slug } = await createRoundTable(actors.hostEditor, orgs.host.id, roundTableForm());
  const loaded = (await loadRoundTable(slug))!;
  const participantOf = (orgId: string) => loaded.participants.find((p) => p.organizationId === orgId)!.id;
  table = { id: loaded.id, slug, sessionId: loaded.sessions[0]!.id, participantOf };
  await respondToInvitation(actors.acceptAdmin, participantOf(orgs.accepting.id), "accepted", [participant!.id]);
  await respondToInvitation(actors.declineAdmin, participantOf(orgs.declining.id), "declined", []);
  const pdf = new File([await pdfWithMetadata(`Draft agenda ${MARKER}`)], "agenda.pdf", { type: "application/pdf" });
  ({ id: messageId } = await postPreparationMessage(actors.participant, table.id, {
    body: `Could we add failures to the agenda? ${MARKER}`,
    attachments: [pdf],
  }));
}, 60_000);

const OUTSIDERS = ["visitor", "outsider", "silentAdmin", "declineAdmin", "moderator"] as const;
const PARTICIPANTS = ["participant", "hostMember", "acceptAdmin"] as const;

describe("the preparation space, place and link stay with the participants", () => {
  it.each(OUTSIDERS)("%s: the round table's page shows none of it, nor who was invited", async (who) => {
    const res = await (await as(who)).fetch(`/en/round-tables/${table.slug}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    // An invited admin sees the answer form for their own organisation, and nobody else's name.
    const own = who === "silentAdmin" ? orgs.silent.name : who === "declineAdmin" ? orgs.declining.name : null;
    const others = [orgs.accepting.name, orgs.declining.name, orgs.silent.name].filter((name) => name !== own);
    for (const secret of [MARKER, PLACE, LINK, messageId, ...others]) expect(body, secret).not.toContain(secret);
  });

  it.each(PARTICIPANTS)("%s (a participant): the page shows the message, the place and the link", async (who) => {
    const body = await (await (await as(who)).fetch(`/en/round-tables/${table.slug}`)).text();
    for (const shown of [MARKER, PLACE, LINK, `/preparation/${messageId}/1`]) expect(body, shown).toContain(shown);
  });

  it.each(OUTSIDERS)("%s: the attachment answers 404, as for a file that does not exist", async (who) => {
    const res = await (await as(who)).fetch(`/en/round-tables/${table.slug}/preparation/${messageId}/1`);
    expect(res.status).toBe(404);
    const body = Buffer.from(await res.arrayBuffer()).toString("latin1");
    expect(body).not.toContain("%PDF");
    expect(body).not.toContain(MARKER);
  });

  it("a participant downloads it as a sandboxed, private attachment", async () => {
    const res = await (await as("participant")).fetch(`/en/round-tables/${table.slug}/preparation/${messageId}/1`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(Buffer.from(await res.arrayBuffer()).toString("latin1")).toContain("%PDF");
  });

  it.each(OUTSIDERS)("%s: the session's .ics has the time, never the place or the link", async (who) => {
    const res = await (await as(who)).fetch(`/en/round-tables/${table.slug}/sessions/${table.sessionId}.ics`);
    expect(res.status).toBe(200);
    // Unfolded: long lines of an iCalendar file are folded at 75 octets.
    const ics = (await res.text()).replace(/\r\n[ \t]/g, "");
    expect(ics).toContain("BEGIN:VEVENT");
    expect(ics).not.toContain(PLACE);
    expect(ics).not.toContain(LINK.replace("https://", ""));
  });

  it("a participant's .ics carries the place and the link, and is never cached publicly", async () => {
    const res = await (await as("participant")).fetch(`/en/round-tables/${table.slug}/sessions/${table.sessionId}.ics`);
    const ics = (await res.text()).replace(/\r\n[ \t]/g, "");
    expect(ics).toContain(PLACE);
    expect(ics).toContain(LINK.replace("https://", ""));
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });

  it("search, the round tables list and the feeds know nothing of it", async () => {
    const visitor = new Client();
    const hits = (await (await visitor.fetch(`/api/search?q=${MARKER}&per_page=50`)).json()) as { total: number };
    expect(hits.total).toBe(0);
    for (const path of ["/en/round-tables", "/en/feeds/home.atom", "/en/feeds/home.json", `/en/organizations/${orgs.host.slug}`]) {
      const body = await (await visitor.fetch(path)).text();
      for (const secret of [MARKER, PLACE, orgs.accepting.name, orgs.declining.name]) expect(body, `${path}: ${secret}`).not.toContain(secret);
    }
  });
});

describe("what an attacker tries", () => {
  it.each(OUTSIDERS)("%s: writing in the preparation space is refused and stores nothing", async (who) => {
    const before = await messages(table.id);
    const res = await (await as(who)).form(`/en/round-tables/${table.slug}?_action=postPreparation`, { tableId: table.id, body: `Let me in ${MARKER}` });
    expect([302, 303, 401, 403]).toContain(res.status);
    expect(await messages(table.id)).toBe(before);
  });

  it("a participant speaking for an organisation that declined is refused and stores nothing", async () => {
    const before = await messages(table.id);
    const res = await (await as("participant")).form(`/en/round-tables/${table.slug}?_action=postPreparation`, {
      tableId: table.id,
      organizationId: orgs.declining.id,
      body: "Posted in their name",
    });
    expect(res.status).toBe(400);
    expect(await messages(table.id)).toBe(before);
  });

  it("after the host closes the round table, a participant can still read but no longer write", async () => {
    const { slug } = await createRoundTable(actors.hostEditor, orgs.host.id, roundTableForm({ invite: [orgs.accepting.id] }));
    const closing = (await loadRoundTable(slug))!;
    await respondToInvitation(actors.acceptAdmin, closing.participants[0]!.id, "accepted", [actors.participant.id]);
    const client = await as("participant");
    const ok = await client.form(`/en/round-tables/${slug}?_action=postPreparation`, { tableId: closing.id, body: `Before the close ${MARKER}` });
    expect(ok.status).toBe(303);
    await updateRoundTable(
      actors.hostEditor,
      closing.id,
      roundTableForm({ title: closing.title, status: "closed", invite: [], s0_id: closing.sessions[0]!.id }),
    );
    const res = await client.form(`/en/round-tables/${slug}?_action=postPreparation`, { tableId: closing.id, body: "After the close" });
    expect(res.status).toBe(403);
    expect(await messages(closing.id)).toBe(1);
    expect(await (await client.fetch(`/en/round-tables/${slug}`)).text()).toContain(`Before the close ${MARKER}`);
  });

  it.each([
    { who: "silentAdmin", org: "declining", why: "an invited admin answering for another invited organisation" },
    { who: "participant", org: "accepting", why: "a plain member answering for their own organisation" },
    { who: "hostMember", org: "accepting", why: "a member of the host answering for a guest" },
    { who: "outsider", org: "silent", why: "an admin of an organisation that was not invited" },
  ] as const)("$why cannot decline for it: refused, the answer stands", async ({ who, org }) => {
    const participantId = table.participantOf(orgs[org].id);
    const before = await pb.collection("round_table_participants").getOne(participantId);
    const res = await (await as(who)).form(`/en/round-tables/${table.slug}?_action=answerRoundTable`, { participantId, answer: "declined" });
    expect(res.status).toBe(403);
    const after = await pb.collection("round_table_participants").getOne(participantId);
    expect([after.status, after.attendees, after.responded_by]).toEqual([before.status, before.attendees, before.responded_by]);
  });

  it.each([
    { who: "silentAdmin", why: "the invited organisation's own admin" },
    { who: "hostMember", why: "a plain member of the host" },
    { who: "outsider", why: "an admin of an organisation that was not invited" },
    { who: "acceptAdmin", why: "a guest organisation's admin" },
  ] as const)("$why cannot withdraw an invitation: refused, the invitation stands", async ({ who }) => {
    const participantId = table.participantOf(orgs.silent.id);
    const res = await (await as(who)).form(`/en/round-tables/${table.slug}?_action=withdrawRoundTableInvitation`, { participantId });
    expect(res.status).toBe(403);
    expect((await pb.collection("round_table_participants").getOne(participantId)).status).toBe("invited");
  });

  it.each([
    ["a slug that closes the filter's quote", `/en/round-tables/${encodeURIComponent("x' || slug != '")}`],
    ["a slug of PocketBase filter operators", `/en/round-tables/${encodeURIComponent('x" ~ "')}`],
    ["a session id that closes the quote", () => `/en/round-tables/${table.slug}/sessions/${encodeURIComponent("x' || id != '")}.ics`],
    ["a message id that closes the quote", () => `/en/round-tables/${table.slug}/preparation/${encodeURIComponent("x' || id != '")}/1`],
    ["another round table's message under this slug", () => `/en/round-tables/${encodeURIComponent("nope")}/preparation/${messageId}/1`],
  ] as const)("%s answers 404 and serves nothing", async (_name, path) => {
    const res = await (await as("outsider")).fetch(typeof path === "function" ? path() : path);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain(MARKER);
    expect(body).not.toContain(PLACE);
  });

  it("a table id that closes the filter's quote is refused by the form's validation and stores nothing", async () => {
    const before = await messages(table.id);
    const res = await (await as("participant")).form(`/en/round-tables/${table.slug}?_action=postPreparation`, {
      tableId: "x' || id != '",
      body: "Injected",
    });
    expect(res.status).toBe(400);
    expect(await messages(table.id)).toBe(before);
  });
});
