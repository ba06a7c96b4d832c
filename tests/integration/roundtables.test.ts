// Issue 14 §3 against a real PocketBase: a host's editor creates a round table with a session
// planned in Brussels time and invites two organisations (their admins get a notice and a mail in
// the same batch); one admin accepts naming an attendee, the other declines; the host's admins
// hear each answer. The preparation space is for participants only, on every surface: the domain
// read, PocketBase's own API, the search index and outbox, feeds, listings, attachments. The
// day-before reminder is sent once across two runs.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { say } from "../../src/i18n/domain.ts";
import { loadFeed, renderFeed } from "../../src/lib/server/feeds.ts";
import { listPreparationMessages, postPreparationMessage, preparationAttachmentResponse } from "../../src/lib/server/roundtables/preparation.ts";
import { runSessionReminders } from "../../src/lib/server/roundtables/reminders.ts";
import {
  createRoundTable,
  invitationsToAnswer,
  isParticipant,
  listRoundTables,
  loadRoundTable,
  respondToInvitation,
  roundTablesHostedBy,
  roundTablesOf,
  withdrawInvitation,
  updateRoundTable,
} from "../../src/lib/server/roundtables/roundtables.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { NATIONAL_NUMBER, PLANTED, pdfWithMetadata } from "../helpers/files.ts";
import { drainAll, search, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let hostEditor: Actor;
let hostAdmin: Actor;
let hostMember: Actor;
let acceptAdmin: Actor;
let acceptMember: Actor;
let declineAdmin: Actor;
let silentAdmin: Actor;
let outsider: Actor;
let host: { id: string; name: string };
let accepting: { id: string; name: string };
let declining: { id: string; name: string };
let silent: { id: string; name: string };

const DAY = 86_400_000;
// A date some days ahead, as the host types it (YYYY-MM-DD).
const ahead = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

function form(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: `AI in home care ${word()}`,
    description: "What works **and what fails**. <script>alert(1)</script>",
    languages: ["nl", "fr"],
    host_contact: "Marie Dubois, marie@example.test",
    chatham_house: "on",
    status: "planned",
    invite: [accepting.id, declining.id, silent.id],
    s0_date: "2026-07-15",
    s0_start: "14:00",
    s0_end: "16:00",
    s0_zone: "Europe/Brussels",
    s0_place: "Room 4, Gent",
    s0_url: "https://meet.example.org/secret",
    s0_agenda: "1. Introductions",
    ...extra,
  };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const users = await Promise.all(Array.from({ length: 8 }, () => createUser(pb)));
  const [e, ha, hm, aa, am, da, sa, o] = users.map((u) => u.id) as [string, string, string, string, string, string, string, string];
  host = await createOrganization(pb, [
    { userId: e, role: "editor" },
    { userId: ha, role: "admin" },
    { userId: hm, role: "member" },
  ]);
  accepting = await createOrganization(pb, [
    { userId: aa, role: "admin" },
    { userId: am, role: "member" },
  ]);
  declining = await createOrganization(pb, [{ userId: da, role: "admin" }]);
  silent = await createOrganization(pb, [{ userId: sa, role: "admin" }]);
  await createOrganization(pb, [{ userId: o, role: "admin" }]);
  [hostEditor, hostAdmin, hostMember, acceptAdmin, acceptMember, declineAdmin, silentAdmin, outsider] = (await Promise.all(
    [e, ha, hm, aa, am, da, sa, o].map((id) => loadActor(id)),
  )) as [Actor, Actor, Actor, Actor, Actor, Actor, Actor, Actor];
});

describe("hosting and invitations", () => {
  it("creates the round table, its session in UTC with its zone, the invitations and the invited admins' notices in one go", async () => {
    // The admins are invited by the other tests' round tables too (in any order): what this one adds.
    const noticesOf = (admin: Actor) =>
      pb
        .collection("notifications")
        .getFullList({ filter: pb.filter("user = {:u} && kind = 'roundtable_invitation'", { u: admin.id }), sort: "created,@rowid" });
    const mailsOf = (admin: Actor) =>
      pb.collection("mail_outbox").getFullList({ filter: pb.filter("user = {:u} && template = 'roundtable_invitation'", { u: admin.id }) });
    const admins = [acceptAdmin, declineAdmin, silentAdmin];
    const before = await Promise.all(admins.map(async (admin) => ({ notices: (await noticesOf(admin)).length, mails: (await mailsOf(admin)).length })));
    const { slug } = await createRoundTable(hostEditor, host.id, form());
    const table = (await loadRoundTable(slug))!;
    expect(table).toMatchObject({ host: { id: host.id, verified: true }, status: "planned", chathamHouse: true, languages: ["nl", "fr"] });
    // Sanitized: the script is gone, the emphasis kept.
    expect(table.descriptionHtml).toContain("<strong>and what fails</strong>");
    expect(table.descriptionHtml).not.toContain("<script");
    // 14:00 in Brussels in July is 12:00 UTC.
    expect(table.sessions).toHaveLength(1);
    expect(table.sessions[0]).toMatchObject({ startsAt: "2026-07-15T12:00:00.000Z", endsAt: "2026-07-15T14:00:00.000Z", timeZone: "Europe/Brussels" });
    expect(table.participants.map((p) => [p.organizationId, p.status]).sort()).toEqual(
      [accepting.id, declining.id, silent.id].map((id) => [id, "invited"]).sort(),
    );
    for (const [i, admin] of admins.entries()) {
      const notices = await noticesOf(admin);
      expect(notices.slice(before[i]!.notices).map((n) => n.link)).toEqual([`/round-tables/${slug}#answer`]);
      expect((await mailsOf(admin)).length - before[i]!.mails).toBe(1);
    }
    expect((await invitationsToAnswer(acceptAdmin)).map((i) => i.slug)).toContain(slug);
    // A plain member of an invited organisation is not asked.
    expect(await invitationsToAnswer(acceptMember)).toEqual([]);
  });

  it("refuses a plain member as host, an unverified invitee and a bad session, creating nothing", async () => {
    const before = (await pb.collection("round_tables").getList(1, 1)).totalItems;
    await expect(createRoundTable(hostMember, host.id, form())).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createRoundTable(outsider, host.id, form())).rejects.toBeInstanceOf(ForbiddenError);
    const pending = await pb
      .collection("organizations")
      .create({ name: `Pending ${word()}`, slug: `pending-${word().slice(1)}`, kind: "hospital", verified: false, verification_status: "pending" });
    await expect(createRoundTable(hostEditor, host.id, form({ invite: [pending.id] }))).rejects.toMatchObject({ field: "invite" });
    const valid = await createRoundTable(hostEditor, host.id, form({ invite: [host.id, accepting.id] }));
    expect((await loadRoundTable(valid.slug))?.participants.map((p) => p.organizationId)).toEqual([accepting.id]);
    await expect(createRoundTable(hostEditor, host.id, form({ s0_url: "javascript:alert(1)" }))).rejects.toMatchObject({ field: "s0_url" });
    await expect(createRoundTable(hostEditor, host.id, form({ s0_end: "13:00" }))).rejects.toMatchObject({ field: "s0_end" });
    // Only the one valid creation above happened (the host was dropped from its own invitations).
    expect((await pb.collection("round_tables").getList(1, 1)).totalItems).toBe(before + 1);
  });

  it("lets the accepting admin name attendees among its active members only; the decline stands; the host's admins are told of each answer", async () => {
    const { slug } = await createRoundTable(hostEditor, host.id, form());
    const table = (await loadRoundTable(slug))!;
    const row = (org: string) => table.participants.find((p) => p.organizationId === org)!;
    // Someone else's member, and an answer by a plain member or by another organisation's admin, are refused.
    await expect(respondToInvitation(acceptAdmin, row(accepting.id).id, "accepted", [outsider.id])).rejects.toMatchObject({ field: "attendees" });
    await expect(respondToInvitation(acceptAdmin, row(accepting.id).id, "accepted", [])).rejects.toMatchObject({ field: "attendees" });
    await expect(respondToInvitation(acceptMember, row(accepting.id).id, "accepted", [acceptMember.id])).rejects.toBeInstanceOf(ForbiddenError);
    await expect(respondToInvitation(declineAdmin, row(accepting.id).id, "declined", [])).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("round_table_participants").getOne(row(accepting.id).id)).status).toBe("invited");

    await respondToInvitation(acceptAdmin, row(accepting.id).id, "accepted", [acceptMember.id]);
    await respondToInvitation(declineAdmin, row(declining.id).id, "declined", [acceptMember.id]);
    const after = (await loadRoundTable(slug))!;
    expect(after.participants.find((p) => p.organizationId === accepting.id)).toMatchObject({ status: "accepted", attendees: [acceptMember.id] });
    // A decline names nobody, whatever was sent.
    expect(after.participants.find((p) => p.organizationId === declining.id)).toMatchObject({ status: "declined", attendees: [] });
    const told = await pb.collection("notifications").getFullList({
      filter: pb.filter("user = {:u} && kind = 'roundtable_answer' && link = {:l}", { u: hostAdmin.id, l: `/round-tables/${slug}` }),
      sort: "created",
    });
    expect(told.map((n) => n.params.answer).sort()).toEqual(["accepted", "declined"]);
    // Participants: the host's members (any role) and the accepting organisation's; nobody else.
    expect([hostEditor, hostAdmin, hostMember, acceptAdmin, acceptMember].map((a) => isParticipant(a, after))).toEqual([true, true, true, true, true]);
    expect([declineAdmin, silentAdmin, outsider, null].map((a) => isParticipant(a, after))).toEqual([false, false, false, false]);
    expect((await roundTablesOf(acceptMember)).map((r) => r.slug)).toContain(slug);
    expect((await roundTablesOf(declineAdmin)).map((r) => r.slug)).not.toContain(slug);
  });

  it("edits sessions and invites more organisations without touching earlier answers; another host's editor cannot", async () => {
    const { slug } = await createRoundTable(hostEditor, host.id, form({ invite: [accepting.id] }));
    const table = (await loadRoundTable(slug))!;
    await respondToInvitation(acceptAdmin, table.participants[0]!.id, "accepted", [acceptMember.id]);
    await expect(updateRoundTable(acceptAdmin, table.id, form({ invite: [] }))).rejects.toBeInstanceOf(ForbiddenError);
    await updateRoundTable(
      hostEditor,
      table.id,
      form({
        title: table.title,
        invite: [declining.id],
        status: "open",
        s0_id: table.sessions[0]!.id,
        s0_start: "15:00",
        s1_date: "2026-12-01",
        s1_start: "10:00",
        s1_end: "11:00",
      }),
    );
    const after = (await loadRoundTable(slug))!;
    expect(after.status).toBe("open");
    // The first session moved (same record), a second (winter time, UTC+1) was added.
    expect(after.sessions.map((s) => [s.id === table.sessions[0]!.id, s.startsAt])).toEqual([
      [true, "2026-07-15T13:00:00.000Z"],
      [false, "2026-12-01T09:00:00.000Z"],
    ]);
    expect(after.participants.map((p) => [p.organizationId, p.status])).toEqual([
      [accepting.id, "accepted"],
      [declining.id, "invited"],
    ]);
  });
});

describe("withdrawing an invitation", () => {
  const refusal = async (promise: Promise<unknown>): Promise<ValidationError> => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  };
  it("the host takes back one nobody answered: gone, and no longer answerable; an answered one, another's, or after the summary, stays", async () => {
    const { slug } = await createRoundTable(hostEditor, host.id, form());
    const table = (await loadRoundTable(slug))!;
    const row = (org: string) => table.participants.find((p) => p.organizationId === org)!;
    await respondToInvitation(acceptAdmin, row(accepting.id).id, "accepted", [acceptMember.id]);
    const answered = await refusal(withdrawInvitation(hostEditor, row(accepting.id).id));
    expect([answered.field, answered.message]).toEqual([
      "participant",
      "This organisation has already answered; only an invitation nobody has answered can be withdrawn.",
    ]);
    // Not the host's: the invited organisation's admin, a plain member of the host, an outsider.
    for (const who of [silentAdmin, hostMember, outsider]) await expect(withdrawInvitation(who, row(silent.id).id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await loadRoundTable(slug))!.participants.map((p) => p.organizationId).sort()).toEqual([accepting.id, declining.id, silent.id].sort());

    expect(await withdrawInvitation(hostEditor, row(silent.id).id)).toEqual({ slug });
    expect((await loadRoundTable(slug))!.participants.map((p) => p.organizationId).sort()).toEqual([accepting.id, declining.id].sort());
    expect((await invitationsToAnswer(silentAdmin)).map((i) => i.slug)).not.toContain(slug);
    expect((await refusal(respondToInvitation(silentAdmin, row(silent.id).id, "accepted", [silentAdmin.id]))).message).toBe(
      say("domain.roundtable.invitation_gone"),
    );

    await pb.collection("round_tables").update(table.id, { status: "summarised" });
    expect((await refusal(withdrawInvitation(hostEditor, row(declining.id).id))).message).toBe("This round table is summarised and can no longer be changed.");
  });
});

describe("the preparation space", () => {
  let slug: string;
  let tableId: string;
  const marker = word();

  beforeAll(async () => {
    ({ slug } = await createRoundTable(hostEditor, host.id, form()));
    const table = (await loadRoundTable(slug))!;
    tableId = table.id;
    const row = (org: string) => table.participants.find((p) => p.organizationId === org)!.id;
    await respondToInvitation(acceptAdmin, row(accepting.id), "accepted", [acceptMember.id]);
    await respondToInvitation(declineAdmin, row(declining.id), "declined", []);
  });

  it("takes a participant's message with a PDF (metadata removed) and shows it to participants only", async () => {
    const pdf = new File([await pdfWithMetadata()], "Jan Peeters - agenda.pdf", { type: "application/pdf" });
    const { id } = await postPreparationMessage(acceptMember, tableId, { body: `Could we add **failures** to the agenda? ${marker}`, attachments: [pdf] });
    const stored = await pb.collection("preparation_messages").getOne(id);
    expect(stored.organization).toBe(accepting.id);
    // A neutral name: the uploader's file name (which names a person) is not kept.
    expect(stored.attachments[0]).toMatch(/^attachment_1_/);
    expect(JSON.stringify(stored.attachments)).not.toContain("Peeters");
    expect(stored.attachment_reports[0].removed.length).toBeGreaterThan(0);

    const table = (await loadRoundTable(slug))!;
    for (const participant of [hostMember, acceptAdmin, acceptMember]) {
      const messages = await listPreparationMessages(participant, table);
      expect(messages.map((m) => m.bodyHtml).join()).toContain(marker);
    }
    for (const stranger of [declineAdmin, silentAdmin, outsider, null])
      await expect(listPreparationMessages(stranger, table)).rejects.toBeInstanceOf(ForbiddenError);

    // The attachment: the file without its metadata and with the posts' headers for a participant; 404 for anyone else.
    const ok = await preparationAttachmentResponse(hostMember, slug, id, "1");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("application/pdf");
    expect(ok.headers.get("cache-control")).toBe("private, no-store");
    expect(ok.headers.get("content-security-policy")).toContain("sandbox");
    const bytes = Buffer.from(await ok.arrayBuffer()).toString("latin1");
    expect(bytes).not.toContain(PLANTED.author);
    for (const stranger of [declineAdmin, silentAdmin, outsider, null]) expect((await preparationAttachmentResponse(stranger, slug, id, "1")).status).toBe(404);
    // The message id under another round table's slug serves nothing.
    const other = await createRoundTable(hostEditor, host.id, form({ invite: [] }));
    expect((await preparationAttachmentResponse(hostMember, other.slug, id, "1")).status).toBe(404);
  });

  it("is never public: not through PocketBase's API, not in search or its outbox, feeds or listings", async () => {
    const engine = useTestSearch();
    try {
      // PocketBase's own API refuses a visitor (the collection is superuser-only).
      const res = await fetch(`${pb.baseURL}/api/collections/preparation_messages/records`);
      expect(JSON.stringify(await res.json())).not.toContain(marker);
      expect(res.status === 403 || res.status === 404 || res.status === 400).toBe(true);
      const outbox = await pb
        .collection("search_outbox")
        .getFullList({ filter: pb.filter("collection_name = 'preparation_messages' || record = {:t}", { t: tableId }) });
      expect(outbox).toEqual([]);
      await drainAll();
      expect((await search(marker)).hits).toEqual([]);
      for (const format of ["atom", "json"] as const) {
        const body = renderFeed((await loadFeed("en", { kind: "home" }, format))!, format, "http://127.0.0.1:4321");
        expect(body).not.toContain(marker);
      }
      const listed = JSON.stringify([await listRoundTables(), await roundTablesHostedBy(host.id)]);
      expect(listed).not.toContain(marker);
      // Nor who was invited or accepted, nor the place and link.
      expect(listed).not.toContain(accepting.name);
      expect(listed).not.toContain(declining.name);
      expect(listed).not.toContain("meet.example.org");
    } finally {
      await engine.dispose();
    }
  });

  it("refuses blocking patient identifiers, outsiders, declined organisations and an organisation not taking part, storing nothing", async () => {
    const count = async () =>
      (await pb.collection("preparation_messages").getList(1, 1, { filter: pb.filter("round_table = {:t}", { t: tableId }) })).totalItems;
    const before = await count();
    await expect(postPreparationMessage(acceptMember, tableId, { body: `Patient ${NATIONAL_NUMBER} had a fall.` })).rejects.toMatchObject({ field: "body" });
    await expect(postPreparationMessage(declineAdmin, tableId, { body: "May we still join?" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(postPreparationMessage(silentAdmin, tableId, { body: "Hello" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(postPreparationMessage(acceptMember, tableId, { body: "For another org", organizationId: declining.id })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const fake = new File([new TextEncoder().encode("<html><script>alert(1)</script>")], "x.pdf", { type: "application/pdf" });
    await expect(postPreparationMessage(acceptMember, tableId, { body: "A file", attachments: [fake] })).rejects.toMatchObject({ field: "attachments" });
    expect(await count()).toBe(before);
  });
});

describe("session reminders", () => {
  it("reminds the attendees and the creator once, across two runs, the day before", async () => {
    const { slug } = await createRoundTable(
      hostEditor,
      host.id,
      form({ s0_date: ahead(2), s0_start: "10:00", s0_end: "11:00", invite: [accepting.id, declining.id] }),
    );
    const table = (await loadRoundTable(slug))!;
    const row = (org: string) => table.participants.find((p) => p.organizationId === org)!.id;
    await respondToInvitation(acceptAdmin, row(accepting.id), "accepted", [acceptMember.id]);
    await respondToInvitation(declineAdmin, row(declining.id), "declined", []);
    const session = table.sessions[0]!;
    const start = new Date(session.startsAt).getTime();
    const reminders = async (user: string) =>
      (
        await pb
          .collection("notifications")
          .getFullList({ filter: pb.filter("user = {:u} && kind = 'roundtable_reminder' && link = {:l}", { u: user, l: `/round-tables/${slug}` }) })
      ).length;

    // Two days ahead: not yet.
    await runSessionReminders(new Date(start - 2 * DAY));
    expect(await reminders(acceptMember.id)).toBe(0);
    // The day before: once, for the named attendee and the creator; not the declining admin, nor an accepting admin who is not attending.
    await runSessionReminders(new Date(start - 20 * 3_600_000));
    await runSessionReminders(new Date(start - 19 * 3_600_000));
    expect(await reminders(acceptMember.id)).toBe(1);
    expect(await reminders(hostEditor.id)).toBe(1);
    expect(await reminders(declineAdmin.id)).toBe(0);
    expect(await reminders(acceptAdmin.id)).toBe(0);
    const mails = await pb
      .collection("mail_outbox")
      .getFullList({ filter: pb.filter("user = {:u} && template = 'roundtable_reminder'", { u: acceptMember.id }) });
    const mail = mails.filter((m) => String(m.params.link).includes(slug));
    expect(mail).toHaveLength(1);
    // The mail says when in words; the notice keeps the session's instants, written when read (notifications.ts).
    expect(String(mail[0]!.params.when)).toMatch(/\d{2}:\d{2}–\d{2}:\d{2} \(Europe\/Brussels\)$/);
    const notice = (
      await pb
        .collection("notifications")
        .getFullList({ filter: pb.filter("user = {:u} && kind = 'roundtable_reminder' && link = {:l}", { u: acceptMember.id, l: `/round-tables/${slug}` }) })
    )[0]!;
    expect(notice.params).toMatchObject({ starts_at: new Date(start).toISOString(), time_zone: "Europe/Brussels" });
    expect((await pb.collection("round_table_sessions").getOne(session.id)).reminder_sent_at).not.toBe("");
  });
});
