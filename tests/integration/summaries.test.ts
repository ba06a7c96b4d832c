// Issue 14 §4: a round table's summary through its whole lifecycle against a real PocketBase —
// the host's editor writes it after a session, the host's DPO signs off, each accepting
// participant's admins are asked whether it may name them, the moderator cannot publish before
// every one answered, and publication marks the round table summarised in the same batch. An
// organisation that refused appears only by its descriptor: on the page, in search, in feeds,
// on organisation pages. Under the Chatham House rule the text names no participant.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { loadFeed, renderFeed } from "../../src/lib/server/feeds.ts";
import { approvePost, claimPost, dpoReview, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadPublishedPost, listPublishedPosts } from "../../src/lib/server/posts.ts";
import {
  answerNamingRequest,
  countOpenNamingRequests,
  listNamingRequests,
  publishedSummaryFor,
  summariesNaming,
  summaryContext,
} from "../../src/lib/server/roundtables/summaries.ts";
import { respondToInvitation } from "../../src/lib/server/roundtables/roundtables.ts";
import { loadSearchDocument } from "../../src/lib/server/search/documents.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { drainAll, moderationEvents, outboxRows, search, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let engine: ReturnType<typeof useTestSearch>;
let editor: Actor;
let dpo: Actor;
let moderator: Actor;
let consenting: { org: { id: string; slug: string; name: string }; admin: Actor };
let refusing: { org: { id: string; slug: string; name: string }; admin: Actor };
let host: { id: string; slug: string; name: string };

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ");

/** A round table hosted by `host` with one session (ended unless `future`), the two participants accepting. */
async function roundTable(options: { chathamHouse?: boolean; future?: boolean } = {}): Promise<{ id: string; slug: string; title: string }> {
  const slug = `rt-${word().slice(1)}`;
  const title = `Triage chatbots in the emergency department ${word()}`;
  const table = await pb.collection("round_tables").create({
    slug,
    title,
    host: host.id,
    created_by: editor.id,
    status: "open",
    chatham_house: Boolean(options.chathamHouse),
    languages: ["en"],
  });
  const start = options.future ? Date.now() + 48 * HOUR : Date.now() - 48 * HOUR;
  await pb
    .collection("round_table_sessions")
    .create({ round_table: table.id, starts_at: iso(start), ends_at: iso(start + 2 * HOUR), time_zone: "Europe/Brussels" });
  for (const p of [consenting, refusing])
    await pb
      .collection("round_table_participants")
      .create({ round_table: table.id, organization: p.org.id, status: "accepted", named_in_summary: "not_asked" });
  return { id: table.id, slug, title };
}

/** A new organisation with one admin, invited to the round table and not yet answering. */
async function invitedOrganisation(roundTableId: string, name: string) {
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "admin" }], { name });
  const invitation = await pb
    .collection("round_table_participants")
    .create({ round_table: roundTableId, organization: org.id, status: "invited", named_in_summary: "not_asked" });
  return { admin: (await loadActor(user.id))!, org, invitation };
}

function summaryInput(table: { slug: string }, marker: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "round_table_summary",
    organization: host.id,
    round_table: table.slug,
    title: `What we learnt about triage chatbots ${marker}`,
    summary: "Three organisations compared their triage chatbot pilots and agreed on what to measure first.",
    body_md: `## What was discussed\n\nHow a chatbot's advice is checked by a nurse before anyone acts on it. ${marker}\n\n## Recommendations\n\n- Measure time to triage.`,
    language: "en",
    tags: "triage, chatbots",
    anonymous: false,
    care_settings: ["hospital"],
    ai_types: ["llm"],
    ...overrides,
  };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  engine = useTestSearch();
  const [e, d, mod, a1, a2] = await Promise.all([createUser(pb), createUser(pb), createUser(pb, { role: "moderator" }), createUser(pb), createUser(pb)]);
  host = await createOrganization(
    pb,
    [
      { userId: e.id, role: "editor" },
      { userId: d.id, role: "dpo" },
    ],
    { requires_dpo_review: true },
  );
  const consentingOrg = await createOrganization(pb, [{ userId: a1.id, role: "admin" }], { name: `Zorgnet ${word()}`, kind: "home_care" });
  const refusingOrg = await createOrganization(pb, [{ userId: a2.id, role: "admin" }], { name: `Hopital Discret ${word()}` });
  const actors = (await Promise.all([e, d, mod, a1, a2].map((u) => loadActor(u.id)))) as Actor[];
  [editor, dpo, moderator] = [actors[0]!, actors[1]!, actors[2]!];
  consenting = { org: consentingOrg, admin: actors[3]! };
  refusing = { org: refusingOrg, admin: actors[4]! };
});

afterAll(() => engine?.dispose());

describe("a round table's summary", () => {
  it("goes draft → DPO → consent asked → moderator, cannot be approved before every answer, and publication marks the round table summarised", async () => {
    const table = await roundTable();
    const marker = word();
    const { id } = await saveDraft(editor, summaryInput(table, marker));
    expect(await pb.collection("posts").getOne(id)).toMatchObject({
      kind: "round_table_summary",
      round_table: table.id,
      organization: host.id,
      status: "draft",
    });

    // The admins are asked by the other tests' summaries too (in any order): what this submission adds.
    const noticesOf = (admin: Actor) =>
      pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = 'summary_consent'", { u: admin.id }), sort: "created,@rowid" });
    const mailsOf = async (admin: Actor) =>
      (await pb.collection("mail_outbox").getFullList({ filter: pb.filter("user = {:u} && template = 'summary_consent'", { u: admin.id }) })).length;
    const admins = [consenting.admin, refusing.admin];
    const before = await Promise.all(
      admins.map(async (admin) => ({ notices: (await noticesOf(admin)).length, mails: await mailsOf(admin), open: await countOpenNamingRequests(admin) })),
    );
    expect(await submitPost(editor, id)).toEqual({ status: "dpo_review" });
    // Each accepting participant is asked, and its admins get a notice and a mail, in the submission's batch.
    const participants = await pb.collection("round_table_participants").getFullList({ filter: pb.filter("round_table = {:r}", { r: table.id }) });
    expect(participants.map((p) => p.named_in_summary)).toEqual(["requested", "requested"]);
    for (const [i, admin] of admins.entries()) {
      const notices = (await noticesOf(admin)).slice(before[i]!.notices);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.link).toMatch(/^\/dashboard\/summary-consent#participant-/);
      expect((await mailsOf(admin)) - before[i]!.mails).toBe(1);
      expect((await countOpenNamingRequests(admin)) - before[i]!.open).toBe(1);
    }
    // The admins read what would be published.
    const asked = (await listNamingRequests(consenting.admin)).find((r) => r.roundTable === table.title);
    expect(asked).toMatchObject({ answer: "requested", organization: consenting.org.name, host: host.name });
    expect(asked?.summary?.bodyHtml).toContain(marker);

    await dpoReview(dpo, id, "approve");
    await claimPost(moderator, id);
    const early = await approvePost(moderator, id).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ValidationError);
    expect((early as Error).message).toContain("2 participating organisations have not yet answered");
    expect((await pb.collection("posts").getOne(id)).status).toBe("in_review");
    expect(await outboxRows(pb, id)).toHaveLength(0);

    await answerNamingRequest(consenting.admin, participants.find((p) => p.organization === consenting.org.id)!.id, "grant");
    const still = await approvePost(moderator, id).catch((e: unknown) => e);
    expect((still as Error).message).toContain("One participating organisation has not yet answered");
    await answerNamingRequest(refusing.admin, participants.find((p) => p.organization === refusing.org.id)!.id, "refuse");
    await approvePost(moderator, id);

    const post = await pb.collection("posts").getOne(id);
    expect(post.status).toBe("published");
    expect((await pb.collection("round_tables").getOne(table.id)).status).toBe("summarised");
    const events = await moderationEvents(pb, id);
    expect(events.map((e) => e.action)).toEqual(["create", "submit", "dpo_approve", "claim", "approve"]);
    const outbox = await outboxRows(pb, id);
    expect(outbox.map((r) => r.op)).toEqual(["upsert"]);
    // Same batch: the round table's status changed with the approval (same second at most).
    const rt = await pb.collection("round_tables").getOne(table.id);
    expect(Math.abs(Date.parse(rt.updated) - Date.parse(events[4]!.created))).toBeLessThan(1000);

    expect(await publishedSummaryFor(table.id)).toMatchObject({ slug: post.slug });
    await drainAll();
    const faceted = await search(marker, { filters: { kind: ["round_table_summary"] } });
    expect(faceted.hits.map((h) => h.id)).toEqual([id]);
    expect(faceted.facets.kind.find((c) => c.value === "round_table_summary")?.count).toBe(1);
    expect((await listPublishedPosts("en")).items.some((p) => p.slug === post.slug)).toBe(true);
  });

  it("names only the consenting organisation, and the refusing one appears only by its descriptor on every surface", async () => {
    const table = await roundTable();
    const marker = word();
    const { id } = await saveDraft(editor, summaryInput(table, marker));
    await submitPost(editor, id);
    await dpoReview(dpo, id, "approve");
    const rows = await pb.collection("round_table_participants").getFullList({ filter: pb.filter("round_table = {:r}", { r: table.id }) });
    await answerNamingRequest(consenting.admin, rows.find((p) => p.organization === consenting.org.id)!.id, "grant");
    await answerNamingRequest(refusing.admin, rows.find((p) => p.organization === refusing.org.id)!.id, "refuse");
    await claimPost(moderator, id);
    await approvePost(moderator, id);
    await drainAll();
    const record = await pb.collection("posts").getOne(id);
    const leaks = (text: string) => text.includes(refusing.org.name) || text.includes(refusing.org.slug) || text.includes(refusing.org.id);

    const context = await summaryContext("en", record);
    expect(context?.participants).toEqual([
      { named: true, name: consenting.org.name, slug: consenting.org.slug },
      { named: false, descriptor: expect.stringMatching(/hospital|organisation|care provider/i) },
    ]);
    expect(leaks(JSON.stringify(context))).toBe(false);
    const page = await loadPublishedPost("en", record.slug);
    expect(leaks(JSON.stringify(page?.post))).toBe(false);

    const hit = (await search(marker)).hits.find((h) => h.id === id);
    expect(hit).toBeDefined();
    expect(leaks(JSON.stringify(hit))).toBe(false);
    expect(leaks(JSON.stringify(await loadSearchDocument(id)))).toBe(false);
    // The document names the consenting participant (its name finds the summary), never the refusing one.
    expect((await loadSearchDocument(id))?.body).toContain(consenting.org.name);
    expect((await search(consenting.org.name.split(" ").pop()!)).hits.map((h) => h.id)).toContain(id);
    expect((await search(refusing.org.name.split(" ").pop()!)).hits.map((h) => h.id)).not.toContain(id);

    for (const format of ["atom", "json"] as const) {
      const body = renderFeed((await loadFeed("en", { kind: "home" }, format))!, format, "http://127.0.0.1:4321");
      expect(body).toContain(record.slug);
      expect(leaks(body)).toBe(false);
    }
    // Only the consenting organisation's page lists the round table it took part in.
    expect((await summariesNaming(consenting.org.id)).map((s) => s.slug)).toContain(record.slug);
    expect((await summariesNaming(refusing.org.id)).map((s) => s.slug)).not.toContain(record.slug);
  });

  it("cannot be published while its text names an organisation that did not consent", async () => {
    const table = await roundTable();
    const { id } = await saveDraft(
      editor,
      summaryInput(table, word(), { body_md: `## What was discussed\n\n${refusing.org.name} explained how its nurses check the chatbot.` }),
    );
    await submitPost(editor, id);
    await dpoReview(dpo, id, "approve");
    const rows = await pb.collection("round_table_participants").getFullList({ filter: pb.filter("round_table = {:r}", { r: table.id }) });
    for (const row of rows)
      await answerNamingRequest(
        row.organization === consenting.org.id ? consenting.admin : refusing.admin,
        row.id,
        row.organization === consenting.org.id ? "grant" : "refuse",
      );
    await claimPost(moderator, id);
    const refused = await approvePost(moderator, id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toContain(refusing.org.name);
    expect((await pb.collection("posts").getOne(id)).status).toBe("in_review");
    expect((await pb.collection("round_tables").getOne(table.id)).status).toBe("open");
  });

  it("under the Chatham House rule, a text naming a participant is refused at save and nothing is written", async () => {
    const table = await roundTable({ chathamHouse: true });
    const marker = word();
    const refused = await saveDraft(
      editor,
      summaryInput(table, marker, { body_md: `${consenting.org.name.toUpperCase()} said the chatbot saved time. ${marker}` }),
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).field).toBe("body_md");
    expect((refused as Error).message).toContain("Chatham House");
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("body_md ~ {:m}", { m: marker }) })).totalItems).toBe(0);
    // Without names it is accepted.
    const { id } = await saveDraft(editor, summaryInput(table, marker));
    expect((await pb.collection("posts").getOne(id)).round_table).toBe(table.id);
    // An edit of the draft that names a participant is refused too, and the draft stays as it was.
    const edit = await saveDraft(editor, summaryInput(table, marker, { summary: `Thanks to ${consenting.org.name} for the figures.` }), id).catch(
      (e: unknown) => e,
    );
    expect([(edit as ValidationError).field, (edit as Error).message]).toEqual(["body_md", expect.stringContaining("Chatham House")]);
    expect((await pb.collection("posts").getOne(id)).summary).toBe(summaryInput(table, marker).summary);
  });

  it("a summary's draft stays with its round table: an edit naming another is refused and nothing is written", async () => {
    const [table, other] = [await roundTable(), await roundTable()];
    const marker = word();
    const { id } = await saveDraft(editor, summaryInput(table, marker));
    const moved = await saveDraft(editor, summaryInput(other, marker, { title: `Moved summary ${marker}` }), id).catch((e: unknown) => e);
    expect(moved).toBeInstanceOf(ValidationError);
    expect((moved as ValidationError).field).toBe("round_table");
    const stored = await pb.collection("posts").getOne(id);
    expect([stored.round_table, stored.title]).toEqual([table.id, summaryInput(table, marker).title]);
    // Naming its own round table, by address or by id, is an ordinary edit.
    await saveDraft(editor, summaryInput(table, marker, { title: `Renamed summary ${marker}` }), id);
    await saveDraft(editor, summaryInput(table, marker, { title: `Renamed again ${marker}`, round_table: table.id }), id);
    expect((await pb.collection("posts").getOne(id)).title).toBe(`Renamed again ${marker}`);
  });

  it("is written by the host's editors only, after a session, once per round table", async () => {
    const future = await roundTable({ future: true });
    await expect(saveDraft(editor, summaryInput(future, word()))).rejects.toBeInstanceOf(ForbiddenError);
    const table = await roundTable();
    // The participant's admin cannot write the host's summary, nor write one as their own organisation.
    await expect(saveDraft(consenting.admin, summaryInput(table, word()))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(saveDraft(consenting.admin, summaryInput(table, word(), { organization: consenting.org.id }))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(saveDraft(dpo, summaryInput(table, word()))).rejects.toBeInstanceOf(ForbiddenError);
    // A summary is never a translation: a link sent with it is dropped, not even looked up.
    const first = await saveDraft(editor, summaryInput(table, word(), { translation_of: "a".repeat(15) }));
    expect((await pb.collection("posts").getOne(first.id)).translation_of).toBe("");
    const second = await saveDraft(editor, summaryInput(table, word())).catch((e: unknown) => e);
    expect((second as ValidationError).field).toBe("round_table");
    const unknown = await saveDraft(editor, summaryInput({ slug: "no-such-round-table" }, word())).catch((e: unknown) => e);
    expect((unknown as ValidationError).field).toBe("round_table");
  });

  it("a consent request is answered only by the participant's own admins", async () => {
    const table = await roundTable();
    const { id } = await saveDraft(editor, summaryInput(table, word()));
    await submitPost(editor, id);
    const row = (
      await pb
        .collection("round_table_participants")
        .getFullList({ filter: pb.filter("round_table = {:r} && organization = {:o}", { r: table.id, o: refusing.org.id }) })
    )[0]!;
    await expect(answerNamingRequest(consenting.admin, row.id, "grant")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(answerNamingRequest(editor, row.id, "grant")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(answerNamingRequest(moderator, row.id, "grant")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("round_table_participants").getOne(row.id)).named_in_summary).toBe("requested");
  });

  it("an organisation that accepts while the summary is in review is asked at once, and the summary waits for its answer as for the others'", async () => {
    const table = await roundTable();
    const { admin: late, org: lateOrg, invitation: invited } = await invitedOrganisation(table.id, `Woonzorg Laat ${word()}`);
    const { id } = await saveDraft(editor, summaryInput(table, word()));
    await submitPost(editor, id);
    await dpoReview(dpo, id, "approve");
    // A moderator has already claimed it when the organisation accepts.
    await claimPost(moderator, id);
    const asked = (await pb.collection("round_table_participants").getOne(invited.id)).named_in_summary;
    expect(asked).toBe("not_asked");

    await respondToInvitation(late, invited.id, "accepted", [late.id]);
    expect(await pb.collection("round_table_participants").getOne(invited.id)).toMatchObject({ status: "accepted", named_in_summary: "requested" });
    const notices = await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = 'summary_consent'", { u: late.id }) });
    expect(notices).toHaveLength(1);
    expect(await countOpenNamingRequests(late)).toBe(1);
    // The others answer; the summary still waits for the late one.
    for (const p of [consenting, refusing]) {
      const row = await pb
        .collection("round_table_participants")
        .getFirstListItem(pb.filter("round_table = {:r} && organization = {:o}", { r: table.id, o: p.org.id }));
      await answerNamingRequest(p.admin, row.id, "grant");
    }
    const refused = await approvePost(moderator, id).catch((e: unknown) => e);
    expect((refused as ValidationError).field).toBe("consent");
    await answerNamingRequest(late, invited.id, "grant");
    await approvePost(moderator, id);
    const record = await pb.collection("posts").getOne(id);
    const names = (await summaryContext("en", record))?.participants.filter((x) => x.named).map((x) => (x.named ? x.name : ""));
    expect(names).toContain(lateOrg.name);
  });

  it("an organisation that accepts before the summary is submitted is asked at its submission, not before", async () => {
    const table = await roundTable();
    const { admin: early, invitation: invited } = await invitedOrganisation(table.id, `Woonzorg Vroeg ${word()}`);
    const { id } = await saveDraft(editor, summaryInput(table, word()));
    await respondToInvitation(early, invited.id, "accepted", [early.id]);
    expect((await pb.collection("round_table_participants").getOne(invited.id)).named_in_summary).toBe("not_asked");
    await submitPost(editor, id);
    expect((await pb.collection("round_table_participants").getOne(invited.id)).named_in_summary).toBe("requested");
  });
});
