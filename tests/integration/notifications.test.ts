// "Your turn" notices and the mail outbox on a real PocketBase and a real SMTP server
// (issue 13 §1, §5, §7). Each event writes its notification and mail_outbox rows in the
// same batch as the change (a batch that fails midway leaves neither); the outbox drains
// into an in-process SMTP server (headers, both parts, a working one-click unsubscribe),
// survives an outage of that server and delivers each mail once, in order, when it returns.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { flagPost } from "../../src/lib/server/flags.ts";
import { drainMailOutbox, MAX_MAIL_ATTEMPTS, mailBackoff } from "../../src/lib/server/mailoutbox.ts";
import { approvePost, claimPost, dpoReview, rejectPost, requestChanges, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { countTodo, listNotifications, markNotificationRead, saveMailPreferences, unsubscribeWithToken } from "../../src/lib/server/notifications.ts";
import { CONSENT_REMINDER_DAYS, nextHour } from "../../src/lib/server/notify.ts";
import { inviteMember, requestToJoin } from "../../src/lib/server/orgs.ts";
import { getPocketBase } from "../../src/lib/server/pocketbase.ts";
import { type Actor, loadActor } from "../../src/lib/server/users.ts";
import { startSmtpServer, type TestSmtpServer } from "../helpers/smtp.ts";
import { say } from "../../src/i18n/domain.ts";
import { createOrganization, createUser, refusalIn, unique, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stopOwn: (() => Promise<void>) | undefined;
let smtp: TestSmtpServer;
let moderator: Actor;
// The worker process outlives this file: the next file in it must not find SMTP_URL pointing
// at a server stopped below (its mail tests then time out instead of reading the .eml drop).
const smtpUrlBefore = process.env.SMTP_URL;

beforeAll(async () => {
  // Before the first getConfig() call, which reads SMTP_URL once for the process.
  smtp = await startSmtpServer();
  process.env.SMTP_URL = smtp.url;
  // A PocketBase of this file's own: the shared one's outbox and members hold every earlier
  // file's rows, and draining or digesting them would be most of this file's time.
  const own = await useOwnPocketBase();
  pb = own.pb;
  stopOwn = own.stop;
  moderator = (await loadActor((await createUser(pb, { role: "moderator", name: "Mona Moderator" })).id))!;
});

afterAll(async () => {
  if (smtpUrlBefore === undefined) delete process.env.SMTP_URL;
  else process.env.SMTP_URL = smtpUrlBefore;
  await smtp.stop();
  await stopOwn?.();
});

const actorOf = async (id: string): Promise<Actor> => (await loadActor(id))!;

/** A member who edits for an organisation of their own (no DPO sign-off). */
async function newAuthor(): Promise<{ author: { id: string; email: string }; org: { id: string; slug: string; name: string }; editor: Actor }> {
  const author = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: author.id, role: "editor" }]);
  return { author, org, editor: await actorOf(author.id) };
}

async function draft(editor: Actor, organization: string, title = `Sepsis alerts ${unique("t")}`): Promise<{ id: string; title: string }> {
  const { id } = await saveDraft(editor, {
    kind: "case_study",
    organization,
    title,
    summary: "A sepsis early-warning score we stopped after alarm fatigue on two wards.",
    body_md: "## Context\n\nA sepsis early-warning score on two wards.\n\n## What happened\n\nToo many alarms; nurses stopped trusting it.",
    language: "en",
    tags: "sepsis",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    lessons_md: "- Agree on an alarm budget first.",
  });
  return { id, title };
}

const notices = (user: string) => pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u}", { u: user }), sort: "created,@rowid" });
const mails = (user: string) => pb.collection("mail_outbox").getFullList({ filter: pb.filter("user = {:u}", { u: user }), sort: "created,@rowid" });

/** Drains until nothing due is left (other files' rows may be waiting too); returns the drain calls made and the mails sent. */
async function drainAll(now = new Date()): Promise<{ rounds: number; sent: number }> {
  let sent = 0;
  for (let round = 1; round <= 100; round++) {
    const result = await drainMailOutbox({ limit: 200, now });
    sent += result.sent;
    if (result.sent + result.skipped + result.failed === 0) return { rounds: round, sent };
  }
  throw new Error("the outbox did not drain in 100 rounds");
}

/** An organisation that asks its DPO to sign off, with an editor, a DPO and an admin. */
async function dpoOrganization() {
  const [editor, dpo, admin] = await Promise.all([
    createUser(pb, { name: "Eddy Editor" }),
    createUser(pb, { name: "Dora DPO", locale: "fr" }),
    createUser(pb, { name: "Ada Admin", locale: "nl" }),
  ]);
  const org = await createOrganization(
    pb,
    [
      { userId: editor.id, role: "editor" },
      { userId: dpo.id, role: "dpo" },
      { userId: admin.id, role: "admin" },
    ],
    { requires_dpo_review: true },
  );
  return { org, editor, dpo, admin, editorActor: await actorOf(editor.id), dpoActor: await actorOf(dpo.id), adminActor: await actorOf(admin.id) };
}

describe("each 'your turn' event writes its notices and mails with the change", () => {
  it("a submission waits on the organisation's DPO: a notice and a mail in the DPO's language, none for the author", async () => {
    const { org, editor, dpo, editorActor } = await dpoOrganization();
    const post = await draft(editorActor, org.id);
    await submitPost(editorActor, post.id);
    const [notice] = await notices(dpo.id);
    expect(notice).toMatchObject({ kind: "post_awaits_dpo", link: `/dashboard/signoff/${post.id}`, read_at: "" });
    expect(notice!.params).toMatchObject({ title: post.title, org: org.name, author: "Eddy Editor" });
    const [mail] = await mails(dpo.id);
    expect(mail).toMatchObject({ to: dpo.email, template: "dpo_signoff", locale: "fr", category: "reviews", status: "pending", attempts: 0 });
    expect(mail!.params.link).toBe(`http://127.0.0.1:4321/fr/dashboard/signoff/${post.id}`);
    expect(await notices(editor.id)).toEqual([]);
    // Not the moderators' turn yet: nothing reaches them before the DPO signs off.
    expect((await notices(moderator.id)).filter((n) => n.params.title === post.title)).toEqual([]);
    // The DPO's header count is the live number of posts waiting on them.
    expect((await countTodo(await actorOf(dpo.id))).signoff).toBe(1);
  });

  it("a post submitted by the organisation's admin tells the DPO who wrote it, not who sent it", async () => {
    const { org, dpo, editorActor, adminActor } = await dpoOrganization();
    const post = await draft(editorActor, org.id);
    await submitPost(adminActor, post.id);
    const [notice] = await notices(dpo.id);
    expect(notice!.params).toMatchObject({ title: post.title, author: "Eddy Editor" });
  });

  it("without a DPO sign-off, a submission goes straight to the moderators' queue", async () => {
    const { author, org, editor } = await newAuthor();
    const post = await draft(editor, org.id);
    await submitPost(editor, post.id);
    const mine = (await notices(moderator.id)).filter((n) => n.params.title === post.title);
    expect(mine.map((n) => [n.kind, n.link])).toEqual([["post_in_queue", `/moderation/posts/${post.id}`]]);
    expect(await notices(author.id)).toEqual([]);
  });

  it("the DPO's sign-off puts the post in the moderators' queue (one mail each, or an hourly group) and tells the author", async () => {
    const { org, editor, editorActor, dpoActor } = await dpoOrganization();
    const hourly = await actorOf((await createUser(pb, { role: "moderator", name: "Hugo Hourly" })).id);
    await saveMailPreferences(hourly, { enabled: ["reviews", "moderation", "organisation", "my_posts"], cadence: "hourly" });
    const post = await draft(editorActor, org.id);
    await submitPost(editorActor, post.id);
    const before = new Date();
    await dpoReview(dpoActor, post.id, "approve", "Fine for me.");
    const [queued] = await notices(moderator.id);
    expect(queued).toBeDefined();
    const mine = (await notices(moderator.id)).filter((n) => n.params.title === post.title);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: "post_in_queue", link: `/moderation/posts/${post.id}` });
    const immediate = (await mails(moderator.id)).filter((m) => m.params.title === post.title);
    expect(immediate).toHaveLength(1);
    expect(immediate[0]).toMatchObject({ template: "moderation_queue", group_key: "", next_attempt_at: "" });
    const grouped = (await mails(hourly.id)).filter((m) => m.params.title === post.title);
    expect(grouped).toHaveLength(1);
    expect(grouped[0]!.group_key).toBe(`hourly:${hourly.id}`);
    expect(new Date(grouped[0]!.next_attempt_at.replace(" ", "T")).getTime()).toBeGreaterThanOrEqual(nextHour(before).getTime());
    const [decision] = await notices(editor.id);
    expect(decision).toMatchObject({ kind: "post_decision", params: { title: post.title, decision: "dpo_approved", note: "Fine for me." } });
  });

  it("the DPO's return reaches the author with the DPO's note; a return without a note is refused and tells nobody", async () => {
    const { org, editor, editorActor, dpoActor } = await dpoOrganization();
    const post = await draft(editorActor, org.id);
    await submitPost(editorActor, post.id);
    expect(await refusalIn(dpoReview(dpoActor, post.id, "return", " no "))).toEqual({ field: "note", message: say("domain.review.return_note") });
    expect(await notices(editor.id)).toEqual([]);
    await dpoReview(dpoActor, post.id, "return", "Remove the ward's name, please.");
    const mine = (await notices(editor.id)).filter((n) => n.params.title === post.title);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ kind: "post_decision", params: { title: post.title, decision: "dpo_returned", note: "Remove the ward's name, please." } });
    expect(await pb.collection("posts").getOne(post.id)).toMatchObject({ status: "changes_requested", feedback: "Remove the ward's name, please." });
  });

  it("decisions reach the author: published with the public link, changes with the note, rejected with the reason", async () => {
    const author = await createUser(pb, { locale: "nl" });
    const org = await createOrganization(pb, [{ userId: author.id, role: "editor" }]);
    const editor = await actorOf(author.id);
    const published = await draft(editor, org.id);
    await submitPost(editor, published.id);
    await claimPost(moderator, published.id);
    await approvePost(moderator, published.id, "Clear and useful.");
    const changed = await draft(editor, org.id);
    await submitPost(editor, changed.id);
    await claimPost(moderator, changed.id);
    await requestChanges(moderator, changed.id, "Say how many patients were involved.");
    const refused = await draft(editor, org.id);
    await submitPost(editor, refused.id);
    await claimPost(moderator, refused.id);
    await rejectPost(moderator, refused.id, "not_about_ai", "This is about billing, not care.");

    const slug = (await pb.collection("posts").getOne(published.id)).slug;
    const rows = await notices(author.id);
    expect(rows.map((n) => [n.params.decision, n.link, n.params.note])).toEqual([
      ["published", `/posts/${slug}`, "Clear and useful."],
      ["changes_requested", `/dashboard/posts/${changed.id}`, "Say how many patients were involved."],
      ["rejected", `/dashboard/posts/${refused.id}`, "This is about billing, not care."],
    ]);
    const outbox = await mails(author.id);
    expect(outbox.map((m) => [m.template, m.locale, m.category, m.params.link])).toEqual([
      ["post_decision", "nl", "my_posts", `http://127.0.0.1:4321/nl/posts/${slug}`],
      ["post_decision", "nl", "my_posts", `http://127.0.0.1:4321/nl/dashboard/posts/${changed.id}`],
      ["post_decision", "nl", "my_posts", `http://127.0.0.1:4321/nl/dashboard/posts/${refused.id}`],
    ]);
  });

  it("a join request tells the organisation's admins; an invitation tells an invitee who has an account, in the app only", async () => {
    const { org, admin, adminActor } = await dpoOrganization();
    const joiner = await createUser(pb, { name: "Jo Joiner" });
    await requestToJoin(await actorOf(joiner.id), org.id, "I lead the sepsis pilot.");
    const [join] = await notices(admin.id);
    expect(join).toMatchObject({ kind: "join_request", link: "/dashboard#join-requests", params: { member: "Jo Joiner", org: org.name } });
    expect((await mails(admin.id)).map((m) => [m.template, m.params.message])).toEqual([["join_request", "I lead the sepsis pilot."]]);

    const invitee = await createUser(pb, { name: "Ivo Invitee" });
    await inviteMember(adminActor, org.id, invitee.email, "editor");
    const [invited] = await notices(invitee.id);
    expect(invited).toMatchObject({ kind: "invitation", params: { org: org.name, inviter: "Ada Admin", role: "editor" } });
    // The invitation mail itself goes directly: it carries the one-time token, which is never stored.
    expect(await mails(invitee.id)).toEqual([]);
  });

  it("a consent request tells the applicant's admins what would be published and by when, with a reminder before the deadline", async () => {
    const funderEditor = await createUser(pb, { name: "Fien Funder" });
    const funder = await createOrganization(pb, [{ userId: funderEditor.id, role: "editor" }], { kind: "funder" });
    const applicantAdmin = await createUser(pb, { locale: "fr" });
    const applicant = await createOrganization(pb, [{ userId: applicantAdmin.id, role: "admin" }]);
    const funderActor = await actorOf(funderEditor.id);
    const { slug } = await saveCall(funderActor, funder.id, {
      title: `AI in care homes ${unique("c")}`,
      description: "A call for AI projects in residential care.",
      status: "closed",
      currency: "EUR",
      budget: "500000",
    });
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    const title = `Night-time acoustic monitoring ${unique("d")}`;
    await recordDecisions(funderActor, call.id, [
      {
        title,
        applicantType: "platform",
        applicant: applicant.slug,
        amountRequested: 120000,
        decision: "rejected",
        decidedOn: "2025-06-30",
        rejectionReasons: ["data_governance"],
        reasonText: "The impact assessment was missing.",
      },
    ]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    const [notice] = await notices(applicantAdmin.id);
    expect(notice).toMatchObject({
      kind: "consent_request",
      link: `/dashboard#consent-${record.id}`,
      params: { title, funder: funder.name, org: applicant.name },
    });
    const [request, reminder] = await mails(applicantAdmin.id);
    expect(request).toMatchObject({ template: "consent_request", locale: "fr", status: "pending" });
    expect(String(request!.params.published).split("\n")).toEqual([
      `- Titre\u00a0: ${title}`,
      `- Financeur et appel\u00a0: ${funder.name} — ${call.title}`,
      "- Décision\u00a0: Refusé",
      "- Motifs du refus\u00a0: Gouvernance des données",
      `- Candidat, nommé\u00a0: ${applicant.name}`,
    ]);
    expect(request!.params.deadline).toMatch(/\d{4}/);
    const deadline = Date.parse(String(record.consent_deadline).replace(" ", "T"));
    expect(reminder).toMatchObject({ template: "consent_reminder", params: { while_consent_requested: record.id } });
    expect(Date.parse(reminder!.next_attempt_at.replace(" ", "T"))).toBe(deadline - CONSENT_REMINDER_DAYS * 86_400_000);
  });

  it("a patient-data report tells the moderators at once", async () => {
    const { org, editor } = await newAuthor();
    const post = await draft(editor, org.id);
    await submitPost(editor, post.id);
    await claimPost(moderator, post.id);
    await approvePost(moderator, post.id);
    const reader = await actorOf((await createUser(pb)).id);
    await flagPost(reader, post.id, "patient_data", "A patient's initials and date of birth in the second paragraph.");
    const flagged = (await notices(moderator.id)).filter((n) => n.kind === "patient_data_flag" && n.params.title === post.title);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]!.link).toBe(`/moderation/posts/${post.id}`);
    expect((await mails(moderator.id)).filter((m) => m.template === "patient_data_flag" && m.params.title === post.title)).toHaveLength(1);
  });

  it("other reports wait in the queue without a notice, and a moderator is not told of their own patient-data report", async () => {
    const { org, editor } = await newAuthor();
    const publish = async () => {
      const post = await draft(editor, org.id);
      await submitPost(editor, post.id);
      await claimPost(moderator, post.id);
      await approvePost(moderator, post.id);
      return post;
    };
    const told = async (who: string, title: string) => (await notices(who)).filter((n) => n.kind === "patient_data_flag" && n.params.title === title);
    const spam = await publish();
    await flagPost(await actorOf((await createUser(pb)).id), spam.id, "spam", "Advertises a product.");
    expect(await told(moderator.id, spam.title)).toEqual([]);

    const colleague = await actorOf((await createUser(pb, { role: "moderator", name: "Omar Moderator" })).id);
    const reported = await publish();
    await flagPost(colleague, reported.id, "patient_data", "A patient's name in the results.");
    expect(await told(colleague.id, reported.title)).toEqual([]);
    expect(await told(moderator.id, reported.title)).toHaveLength(1);
  });

  it("an unverified member gets the notice in the app but no mail", async () => {
    const { org, editorActor } = await dpoOrganization();
    const unverified = await createUser(pb, { verified: false });
    await pb.collection("memberships").create({ user: unverified.id, organization: org.id, role: "dpo", status: "active" });
    const post = await draft(editorActor, org.id);
    await submitPost(editorActor, post.id);
    expect((await notices(unverified.id)).map((n) => n.kind)).toEqual(["post_awaits_dpo"]);
    expect(await mails(unverified.id)).toEqual([]);
  });

  it("a batch that fails midway leaves neither the change, nor its notices, nor its mails", async () => {
    const { org, dpo, editorActor } = await dpoOrganization();
    const post = await draft(editorActor, org.id);
    const client = await getPocketBase();
    const real = client.createBatch.bind(client);
    // The transition's own batch, with one more request that PocketBase refuses (a notice without a recipient) at the end.
    const spy = vi.spyOn(client, "createBatch").mockImplementation(() => {
      const batch = real();
      const send = batch.send.bind(batch);
      batch.send = async (options) => {
        batch.collection("notifications").create({ kind: "broken" });
        return send(options);
      };
      return batch;
    });
    try {
      await expect(submitPost(editorActor, post.id)).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect((await pb.collection("posts").getOne(post.id)).status).toBe("draft");
    expect(await notices(dpo.id)).toEqual([]);
    expect(await mails(dpo.id)).toEqual([]);
    // The same transition without the failure writes all three.
    await submitPost(editorActor, post.id);
    expect((await pb.collection("posts").getOne(post.id)).status).toBe("dpo_review");
    expect(await notices(dpo.id)).toHaveLength(1);
    expect(await mails(dpo.id)).toHaveLength(1);
  });
});

describe("the notifications page's data", () => {
  it("lists a member's notices newest first and marks one read; another member's notice cannot be marked", async () => {
    const { org, dpo, editorActor, dpoActor } = await dpoOrganization();
    const first = await draft(editorActor, org.id);
    const second = await draft(editorActor, org.id);
    await submitPost(editorActor, first.id);
    await submitPost(editorActor, second.id);
    const listed = await listNotifications(dpoActor);
    expect(listed.map((n) => n.params.title)).toEqual([second.title, first.title]);
    await markNotificationRead(dpoActor, listed[1]!.id);
    expect((await listNotifications(dpoActor)).map((n) => n.read)).toEqual([false, true]);
    const stranger = await actorOf((await createUser(pb)).id);
    await expect(markNotificationRead(stranger, listed[0]!.id)).rejects.toMatchObject({ field: "notification" });
    expect((await pb.collection("notifications").getOne(listed[0]!.id)).read_at).toBe("");
    expect(dpo.id).toBe(dpoActor.id);
  });
});

describe("the mail outbox and a real SMTP server", () => {
  it("delivers HTML and plain text from one template, with List-Unsubscribe headers whose one-click link stops the next mail", async () => {
    const { org, dpo, editorActor } = await dpoOrganization();
    const post = await draft(editorActor, org.id);
    await submitPost(editorActor, post.id);
    await drainAll();
    const [received] = smtp.to(dpo.email);
    expect(received).toBeDefined();
    const mail = received!.parsed;
    expect(mail.subject).toBe(`Casebook\u00a0: une publication attend votre validation — ${post.title}`);
    expect(mail.from?.value[0]?.address).toBe("no-reply@127.0.0.1");
    expect(mail.text).toContain(`Bonjour Dora DPO,`);
    expect(mail.text).toContain(`http://127.0.0.1:4321/fr/dashboard/signoff/${post.id}`);
    expect(mail.html).toContain(`<html lang="fr">`);
    expect(mail.html).toContain(`href="http://127.0.0.1:4321/fr/dashboard/signoff/${post.id}"`);
    expect(mail.html).toContain('<meta name="color-scheme" content="light dark">');
    // Both parts say the same: every paragraph of the text is in the HTML.
    for (const words of ["Bonjour Dora DPO,", "L’équipe Casebook", "Vous recevez ce message parce que vous êtes délégué"]) {
      expect(mail.text).toContain(words);
      expect(mail.html).toContain(words);
    }
    // Read from the raw message: mailparser folds List-* headers into one structured value.
    const header = (name: string) =>
      new RegExp(`^${name}:(.*(?:\r?\n[ \t].*)*)`, "im")
        .exec(received!.raw)?.[1]
        ?.replace(/\r?\n[ \t]+/g, " ")
        .trim() ?? "";
    const listUnsubscribe = header("List-Unsubscribe");
    expect(header("List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const link = new URL(/<(https?:[^>]+)>/.exec(listUnsubscribe)![1]!);
    expect(link.pathname).toBe("/fr/unsubscribe");
    expect(link.searchParams.get("c")).toBe("reviews");
    expect(mail.text).toContain(link.href);

    // A mail already queued when the member unsubscribes is not sent; later ones are not even queued.
    const queued = await draft(editorActor, org.id);
    await submitPost(editorActor, queued.id);
    // A tampered token does nothing; the real one turns the group off; using it again is harmless.
    const token = link.searchParams.get("t")!;
    expect(await unsubscribeWithToken("reviews", `${token.slice(0, -2)}xx`)).toEqual({ ok: false, reason: "invalid" });
    expect(await unsubscribeWithToken("my_posts", token)).toEqual({ ok: false, reason: "invalid" });
    expect(await unsubscribeWithToken("reviews", token)).toEqual({ ok: true, category: "reviews" });
    expect(await unsubscribeWithToken("reviews", token)).toEqual({ ok: true, category: "reviews" });
    await drainAll();
    const later = await draft(editorActor, org.id);
    await submitPost(editorActor, later.id);
    await drainAll();
    expect(smtp.to(dpo.email)).toHaveLength(1);
    const rows = await mails(dpo.id);
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([
      ["sent", ""],
      ["skipped", "The member turned these e-mails off."],
    ]);
    // The notices themselves still show in the app.
    expect(await notices(dpo.id)).toHaveLength(3);
  });

  it("sends an hourly moderator's notices as one summary once the hour has come", async () => {
    const hourly = await actorOf((await createUser(pb, { role: "moderator", name: "Hana Hourly" })).id);
    await saveMailPreferences(hourly, { enabled: ["moderation"], cadence: "hourly" });
    const { org, editor } = await newAuthor();
    const titles: string[] = [];
    for (let i = 0; i < 3; i++) {
      const post = await draft(editor, org.id);
      titles.push(post.title);
      await submitPost(editor, post.id);
    }
    await drainAll();
    expect(smtp.to(hourly.email)).toEqual([]);
    await drainAll(new Date(Date.now() + 61 * 60 * 1000));
    const summaries = smtp.to(hourly.email);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.parsed.subject).toBe("Casebook: 3 new in the moderation queue this hour");
    for (const title of titles) expect(summaries[0]!.parsed.text).toContain(`- ${title}`);
    expect((await mails(hourly.id)).every((m) => m.status === "sent")).toBe(true);
  });

  // A measurement run with a large CASEBOOK_OUTAGE_N needs more than the default 30 s.
  it("survives an SMTP outage: rows stay pending with attempts and back-off, then each is delivered once, in order", { timeout: 600_000 }, async () => {
    const admins = await Promise.all([createUser(pb, { name: "Admin One" }), createUser(pb, { name: "Admin Two" })]);
    const org = await createOrganization(
      pb,
      admins.map((a) => ({ userId: a.id, role: "admin" })),
    );
    await drainAll();
    await smtp.stop();
    // CASEBOOK_OUTAGE_N sets the backlog (two admins: 2 × N mails) for a measurement run.
    const N = Number(process.env.CASEBOOK_OUTAGE_N ?? 20);
    const names: string[] = [];
    for (let i = 0; i < N; i++) {
      const joiner = await createUser(pb, { name: `Joiner ${String(i).padStart(2, "0")}` });
      names.push(`Joiner ${String(i).padStart(2, "0")}`);
      await requestToJoin(await actorOf(joiner.id), org.id);
    }
    const backlog = (await Promise.all(admins.map((a) => mails(a.id)))).flat();
    expect(backlog).toHaveLength(2 * N);

    // First drain during the outage: every due row records the failed attempt and its next try.
    const t0 = new Date();
    const failStart = performance.now();
    const failed = await drainMailOutbox({ limit: 500, now: t0 });
    const failMs = performance.now() - failStart;
    let rows = (await Promise.all(admins.map((a) => mails(a.id)))).flat();
    expect(rows.every((r) => r.status === "pending" && r.attempts === 1 && r.last_error !== "")).toBe(true);
    for (const row of rows) expect(Date.parse(row.next_attempt_at.replace(" ", "T"))).toBe(t0.getTime() + mailBackoff(1));
    // Not due yet: a drain now tries nothing.
    expect((await drainMailOutbox({ limit: 500, now: t0 })).failed).toBe(0);
    // Retries back off: 10 s, 20 s, 40 s… while the server is still down.
    let at = t0.getTime();
    for (let attempt = 2; attempt <= 4; attempt++) {
      at += mailBackoff(attempt - 1);
      await drainMailOutbox({ limit: 500, now: new Date(at) });
    }
    rows = (await Promise.all(admins.map((a) => mails(a.id)))).flat();
    expect(rows.every((r) => r.status === "pending" && r.attempts === 4)).toBe(true);
    for (const row of rows) expect(Date.parse(row.next_attempt_at.replace(" ", "T"))).toBe(at + mailBackoff(4));
    expect(MAX_MAIL_ATTEMPTS).toBeGreaterThan(4);

    // The server returns: the next due drain delivers everything, once, in the order it was written.
    await smtp.start();
    const started = performance.now();
    const drained = await drainAll(new Date(at + mailBackoff(4)));
    const drainMs = performance.now() - started;
    for (const admin of admins) {
      const got = smtp.to(admin.email).map((m) => m.parsed.subject);
      expect(got).toEqual(names.map((name) => `Casebook: ${name} asks to join ${org.name}`));
    }
    rows = (await Promise.all(admins.map((a) => mails(a.id)))).flat();
    expect(rows.every((r) => r.status === "sent" && r.attempts === 4)).toBe(true);
    // A further drain sends nothing again.
    await drainAll(new Date(at + 24 * 3600 * 1000));
    for (const admin of admins) expect(smtp.to(admin.email)).toHaveLength(N);
    console.log(
      `[outage] backlog ${2 * N} mails (2 admins × ${N} join requests), 4 failed attempts each while the server was down (back-off 10, 20, 40, 80 s; the first failing drain marked ${failed.failed} rows in ${Math.round(failMs)} ms); after it returned: ${drained.sent} mails sent (incl. other tests' rows) in ${Math.round(drainMs)} ms, ${(drainMs / drained.sent).toFixed(1)} ms per mail, ${drained.rounds} drain call(s)`,
    );
  });
});
