// A funder's decisions as recordDecisions writes them (issue 10 §1/§7, survivors of the mutation run over funding.ts):
// every field of the record for each kind of applicant and decision, its moderation event, the consent request and
// its deadline, the descriptor an unnamed applicant gets, slugs within one batch, and the message of each refusal —
// naming its row when there are several — with nothing written. The file has its own PocketBase, so the crowd that
// descriptors are chosen from is exactly the organisations made here.
import type PocketBase from "pocketbase";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { setClock } from "../../src/lib/server/clock.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import { renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { CONSENT_DAYS, answerConsent, listApplicantChoices, listConsentRequests, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import {
  approvePost,
  claimPost,
  dismissFinding,
  hidePost,
  rejectPost,
  requestChanges,
  saveDraft,
  saveRecordedDecision,
  submitPost,
  withdrawPost,
} from "../../src/lib/server/moderation.ts";
import { getPublishedPost } from "../../src/lib/server/posts.ts";
import { getPrivatePost } from "../../src/lib/server/queues.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, refusalIn, titleBreakingAt, unique, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stop: () => Promise<void>;
let editor: Actor;
let dpoFunderEditor: Actor;
let funder: { id: string; name: string };
let dpoFunder: { id: string };
let hospital: { id: string; slug: string; name: string };
let hospitalAdmin: Actor;
let luxembourger: { id: string; name: string };

beforeAll(async () => {
  const own = await useOwnPocketBase();
  pb = own.pb;
  stop = own.stop;
  const k = getConfig().anonymityK;
  const [fe, de, ha] = await Promise.all([createUser(pb, { locale: "nl" }), createUser(pb), createUser(pb)]);
  funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", region: "brussels", name: `Fonds ${unique("f")}` });
  dpoFunder = await createOrganization(pb, [{ userId: de.id, role: "editor" }], { kind: "funder", region: "brussels", requires_dpo_review: true });
  // The crowd: k hospitals in Flanders, k mental-health services in Wallonia, k other organisations in Luxembourg.
  hospital = await createOrganization(pb, [{ userId: ha.id, role: "admin" }], { kind: "hospital", region: "flanders", name: `AZ ${unique("h")}` });
  luxembourger = await createOrganization(pb, [], { kind: "other", region: "other", country: "LU", name: `Lux ${unique("l")}` });
  for (let i = 1; i < k; i++) {
    await createOrganization(pb, [], { kind: "hospital", region: "flanders" });
    await createOrganization(pb, [], { kind: "other", region: "other", country: "LU" });
  }
  for (let i = 0; i < k; i++) await createOrganization(pb, [], { kind: "mental_health", region: "wallonia" });
  [editor, dpoFunderEditor, hospitalAdmin] = (await Promise.all([fe, de, ha].map((u) => loadActor(u.id)))) as [Actor, Actor, Actor];
}, 60_000);

afterAll(async () => {
  await stop();
});

afterEach(() => setClock(null));

async function newCall(actor: Actor, funderId: string, opensOn = ""): Promise<string> {
  const { slug } = await saveCall(actor, funderId, {
    title: `Remote monitoring call ${unique("c")}`,
    description: "A call for AI projects in remote monitoring at home.",
    status: "closed",
    opens_on: opensOn,
  });
  return (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
}

const row = (overrides: Record<string, unknown> = {}) => ({
  title: `Fall detection at home ${unique("d")}`,
  applicantType: "outside",
  applicant: "Thuiszorg Zuid vzw",
  amountRequested: 90000,
  decision: "rejected",
  decidedOn: "2026-03-31",
  rejectionReasons: ["eligibility"],
  ...overrides,
});

const recordsOf = (callId: string) => pb.collection("posts").getFullList({ filter: pb.filter("call = {:c}", { c: callId }), sort: "title" });
const eventsOf = (postId: string) => pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p}", { p: postId }) });

describe("what a recorded decision holds", () => {
  it("each applicant type and decision: who is named, who is anonymised, what consent is asked, and the batch's counts", async () => {
    const callId = await newCall(editor, funder.id);
    const at = Date.parse("2026-11-02T09:30:00.000Z");
    setClock(() => at);
    const result = await recordDecisions(editor, callId, [
      row({
        title: "A awarded platform applicant",
        applicantType: "platform",
        applicant: hospital.slug,
        decision: "awarded",
        amountAwarded: 60000,
        rejectionReasons: [],
      }),
      row({ title: "B refused platform applicant", applicantType: "platform", applicant: hospital.name, reasonText: "No evaluation plan." }),
      row({ title: "C refused outside applicant", applicantKind: "mental_health", applicantRegion: "wallonia" }),
      row({ title: "D refused outside applicant who consented", applicant: "Zorgnet Oost", consentObtained: true }),
      row({ title: "E refused anonymous applicant", applicantType: "anonymous", applicant: "" }),
      row({ title: "F withdrawn outside applicant", decision: "withdrawn", rejectionReasons: [] }),
    ]);
    expect(result).toEqual({ created: 6, consentRequests: 1 });
    const [a, b, c, d, e, f] = await recordsOf(callId);
    for (const r of [a, b, c, d, e, f]) {
      expect(r).toMatchObject({
        kind: "funding_application",
        status: "submitted",
        published_by: "funder",
        organization: funder.id,
        funder: funder.id,
        call: callId,
        author: editor.id,
        anonymous: false,
        body_md: "",
        body_html: "",
        language: "nl",
        amount_requested: 90000,
        currency: "EUR",
        decided_on: expect.stringMatching(/^2026-03-31/),
      });
    }
    const deadline = new Date(at + CONSENT_DAYS * 86_400_000).toISOString().replace("T", " ");
    expect(a).toMatchObject({
      applicant_organization: hospital.id,
      applicant_name: "",
      applicant_anonymous: false,
      consent: "not_needed",
      consent_deadline: "",
      amount_awarded: 60000,
    });
    expect(b).toMatchObject({
      applicant_organization: hospital.id,
      applicant_name: "",
      applicant_anonymous: false,
      consent: "requested",
      consent_deadline: deadline,
      amount_awarded: 0,
    });
    expect(b!.summary).toBe("No evaluation plan.");
    expect(b!.rejection_note).toBe("No evaluation plan.");
    expect(c).toMatchObject({
      applicant_organization: "",
      applicant_name: "Thuiszorg Zuid vzw",
      applicant_anonymous: true,
      consent: "refused",
      consent_deadline: "",
    });
    expect(d).toMatchObject({ applicant_name: "Zorgnet Oost", applicant_anonymous: false, consent: "granted", consent_deadline: "" });
    expect(e).toMatchObject({ applicant_name: "", applicant_anonymous: true, consent: "not_needed" });
    expect(f).toMatchObject({ applicant_name: "Thuiszorg Zuid vzw", applicant_anonymous: true, consent: "refused", decision: "withdrawn" });
    expect(c!.summary).toBe("");

    const notes = await Promise.all([a, b, c, d, e, f].map(async (r) => eventsOf(r!.id)));
    for (const events of notes) {
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ actor: editor.id, action: "record_decision", from_status: "", to_status: "submitted" });
    }
    expect(notes.map((events) => events[0]!.note)).toEqual([
      "Recorded by the funder (consent not_needed).",
      "Recorded by the funder (consent requested).",
      "Recorded by the funder (consent refused).",
      "Recorded by the funder (consent granted).",
      "Recorded by the funder (consent not_needed).",
      "Recorded by the funder (consent refused).",
    ]);

    // Only the refusal that names a platform applicant asks that applicant's admins.
    const ids = new Set([a, b, c, d, e, f].map((r) => r!.id));
    const asked = await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u}", { u: hospitalAdmin.id }) });
    expect(asked.filter((n) => ids.has(String(n.link).split("consent-")[1] ?? "")).map((n) => [n.kind, n.link])).toEqual([
      ["consent_request", `/dashboard#consent-${b!.id}`],
    ]);
  });

  it("the applicant's kind and place come from its organisation when it is on the platform, from the row otherwise; the descriptor follows", async () => {
    const callId = await newCall(editor, funder.id);
    await recordDecisions(editor, callId, [
      row({
        title: "A platform hospital, row says otherwise",
        applicantType: "platform",
        applicant: hospital.slug,
        applicantKind: "mental_health",
        applicantRegion: "wallonia",
      }),
      row({ title: "B platform organisation in Luxembourg", applicantType: "platform", applicant: luxembourger.name }),
      row({ title: "C outside mental-health service", applicantKind: "mental_health", applicantRegion: "wallonia" }),
      row({ title: "D outside applicant, nothing known" }),
    ]);
    const [a, b, c, d] = await recordsOf(callId);
    expect(a).toMatchObject({ applicant_kind: "hospital", applicant_region: "flanders", public_descriptor: "hospital@r:flanders" });
    expect(b).toMatchObject({ applicant_kind: "other", applicant_region: "other", public_descriptor: "organisation@c:LU" });
    expect(c).toMatchObject({ applicant_kind: "mental_health", applicant_region: "wallonia", public_descriptor: "mental_health@r:wallonia" });
    expect(d).toMatchObject({ applicant_kind: "", applicant_region: "", public_descriptor: "organisation" });
  });

  it("a funder that asks its DPO sends the records to DPO review; the event says so", async () => {
    const callId = await newCall(dpoFunderEditor, dpoFunder.id);
    await recordDecisions(dpoFunderEditor, callId, [row({ language: "fr" })]);
    const [record] = await recordsOf(callId);
    expect(record).toMatchObject({ status: "dpo_review", language: "fr", organization: dpoFunder.id });
    expect((await eventsOf(record!.id))[0]).toMatchObject({ from_status: "", to_status: "dpo_review" });
  });

  it("keeps the first 1000 characters of the reason as the summary and renders the feedback", async () => {
    const callId = await newCall(editor, funder.id);
    const reason = `${"The budget exceeds the ceiling. ".repeat(40)}`.trim();
    await recordDecisions(editor, callId, [row({ reasonText: reason, feedback: "### Next round\n\nAsk for **less** next time." })]);
    const [record] = await recordsOf(callId);
    expect(record!.summary).toBe(reason.slice(0, 1000));
    expect(record!.rejection_note).toBe(reason);
    expect(record!.funder_feedback_md).toBe("### Next round\n\nAsk for **less** next time.");
    // The feedback's highest heading sits under the record's title, whatever level the funder typed.
    expect(record!.funder_feedback_html).toContain("<h2>Next round</h2>");
    expect(record!.funder_feedback_html).toContain("<strong>less</strong>");
  });

  it("two rows of one title get two addresses, and a title already taken by a post gets a new one", async () => {
    const callId = await newCall(editor, funder.id);
    const title = `Sepsis alert on the ward ${unique("s")}`;
    await recordDecisions(editor, callId, [row({ title })]);
    const [first] = await recordsOf(callId);
    expect(first!.slug).toBe(title.toLowerCase().replaceAll(" ", "-"));
    await recordDecisions(editor, callId, [row({ title }), row({ title })]);
    const slugs = (await recordsOf(callId)).map((r) => r.slug);
    expect(new Set(slugs).size).toBe(3);
    for (const slug of slugs) expect(slug.startsWith(first!.slug)).toBe(true);
  });

  it("a long title's address is cut to 80 characters, also when two rows of a new title share it", async () => {
    const callId = await newCall(editor, funder.id);
    const { title, slug } = titleBreakingAt(80);
    await recordDecisions(editor, callId, [row({ title }), row({ title })]);
    const slugs = (await recordsOf(callId)).map((r) => r.slug);
    expect(new Set(slugs).size).toBe(2);
    for (const each of slugs) expect(each.length).toBeLessThanOrEqual(80);
    expect(slugs).toContain(slug);
  });

  it("the second of two rows of one title gets a suffix after the title's first 70 characters, without a doubled hyphen", async () => {
    const callId = await newCall(editor, funder.id);
    const { title, slug } = titleBreakingAt(70);
    await recordDecisions(editor, callId, [row({ title }), row({ title })]);
    const slugs = (await recordsOf(callId)).map((r) => r.slug);
    expect(slugs).toHaveLength(2);
    expect(slugs.find((s) => s.length === 76)).toMatch(new RegExp(`^${slug}-[a-z0-9]{6}$`));
  });
});

describe("what a funder is told, with nothing written", () => {
  it("an unknown call", async () => {
    expect(await refusalIn(recordDecisions(editor, "nosuchcall12345", [row()]))).toEqual({ field: "call", message: "Unknown call." });
  });

  it("someone who does not edit for the funder", async () => {
    const callId = await newCall(editor, funder.id);
    await expect(recordDecisions(hospitalAdmin, callId, [row()])).rejects.toBeInstanceOf(ForbiddenError);
    expect(await recordsOf(callId)).toEqual([]);
  });

  it("a row the form refuses is named by its number, alone or among others", async () => {
    const callId = await newCall(editor, funder.id);
    expect(await refusalIn(recordDecisions(editor, callId, [row({ title: "Short" })]))).toEqual({
      field: "row 1",
      message: "Row 1: Give a title of at least 8 characters.",
    });
    expect(await refusalIn(recordDecisions(editor, callId, [row(), row(), row({ amountRequested: -1 })]))).toEqual({
      field: "row 3",
      message: "Row 3: An amount cannot be negative.",
    });
    expect(await recordsOf(callId)).toEqual([]);
  });

  it("a decision before the call opened: the dates alone for one row, with the row's number among several", async () => {
    const callId = await newCall(editor, funder.id, "2026-04-01");
    const dates = "The decision date 2026-03-31 is before the call opened (2026-04-01); check the date, or record it on the right call.";
    expect(await refusalIn(recordDecisions(editor, callId, [row()]))).toEqual({ field: "decidedOn", message: dates });
    expect(await refusalIn(recordDecisions(editor, callId, [row({ decidedOn: "2026-04-01" }), row()]))).toEqual({
      field: "decidedOn",
      message: `Row 2: ${dates}`,
    });
    expect(await recordsOf(callId)).toEqual([]);
    await recordDecisions(editor, callId, [row({ decidedOn: "2026-04-01" })]);
    expect(await recordsOf(callId)).toHaveLength(1);
  });

  it("an applicant named by a name two verified organisations share, or by one nobody has", async () => {
    const callId = await newCall(editor, funder.id);
    const name = `Zorggroep Twin ${unique("z")}`;
    await createOrganization(pb, [], { name, kind: "care_home", region: "flanders" });
    await createOrganization(pb, [], { name, kind: "care_home", region: "wallonia" });
    expect(await refusalIn(recordDecisions(editor, callId, [row({ applicantType: "platform", applicant: name })]))).toEqual({
      field: "applicant",
      message: `Several organisations are called "${name}"; use the slug in its page address.`,
    });
    expect((await refusalIn(recordDecisions(editor, callId, [row({ applicantType: "platform", applicant: `Nobody ${unique("n")}` })]))).field).toBe(
      "applicant",
    );
    expect(await recordsOf(callId)).toEqual([]);
  });

  it("a national register number in any row's text refuses the whole batch, naming the record", async () => {
    const callId = await newCall(editor, funder.id);
    const title = `Readmission risk model ${unique("r")}`;
    const { field, message } = await refusalIn(
      recordDecisions(editor, callId, [
        row(),
        row({ title, applicantType: "platform", applicant: hospital.slug, reasonText: "Patient 85.07.30-033.28 was named in the annex." }),
      ]),
    );
    expect({ field, message }).toEqual({ field: "privacy", message: `"${title}" contains a national register number; remove it.` });
    expect(await recordsOf(callId)).toEqual([]);
    expect(await pb.collection("notifications").getFullList({ filter: pb.filter("link ~ {:l}", { l: "consent-" }) })).not.toContainEqual(
      expect.objectContaining({ params: expect.objectContaining({ title }) }),
    );
  });
});

describe("consent requests as the applicant's admins see and answer them", () => {
  it("lists what would be published, in the admin's language, to the applicant's admins only; overdue from the deadline's instant", async () => {
    // Organisations of this test's own (joining the crowd's hospitals and Luxembourg organisations), so that other
    // tests' requests are not in its lists.
    const [first_, second, member, both] = await Promise.all([createUser(pb), createUser(pb, { name: "Second Admin" }), createUser(pb), createUser(pb)]);
    const clinic = await createOrganization(
      pb,
      [
        { userId: first_.id, role: "admin" },
        { userId: second.id, role: "admin" },
        { userId: member.id, role: "editor" },
        { userId: both.id, role: "admin" },
      ],
      { kind: "hospital", region: "flanders" },
    );
    const lux = await createOrganization(pb, [{ userId: both.id, role: "admin" }], { kind: "other", region: "other", country: "LU" });
    const [clinicAdmin, secondAdmin, editorOfHospital, adminOfBoth] = (await Promise.all([first_, second, member, both].map((u) => loadActor(u.id)))) as [
      Actor,
      Actor,
      Actor,
      Actor,
    ];
    const callId = await newCall(editor, funder.id);
    const callTitle = (await pb.collection("funding_calls").getOne(callId)).title;
    const at = Date.parse("2026-10-05T08:00:00.000Z");
    setClock(() => at);
    const [one, two, three] = [`A refused remote triage ${unique("a")}`, `B withdrawn remote triage ${unique("b")}`, `C Luxembourg triage ${unique("c")}`];
    await recordDecisions(editor, callId, [
      row({
        title: one,
        applicantType: "platform",
        applicant: clinic.slug,
        reasonText: "No evaluation plan.",
        feedback: "Add an *evaluation* plan.",
        rejectionReasons: ["evaluation_plan", "eligibility"],
      }),
    ]);
    setClock(() => at + 1000);
    await recordDecisions(editor, callId, [
      row({
        title: two,
        applicantType: "platform",
        applicant: clinic.slug,
        decision: "withdrawn",
        rejectionReasons: [],
        amountAwarded: 5000,
        currency: "CHF",
        language: "fr",
      }),
    ]);
    await recordDecisions(editor, callId, [row({ title: three, applicantType: "platform", applicant: lux.slug })]);
    const deadline = new Date(at + CONSENT_DAYS * 86_400_000).toISOString().replace("T", " ");
    const [first, second2] = await listConsentRequests(clinicAdmin, "fr");
    expect(first).toEqual({
      id: expect.any(String),
      title: one,
      funder: funder.name,
      call: callTitle,
      decision: "rejected",
      decidedOn: "2026-03-31",
      reasons: ["evaluation_plan", "eligibility"],
      reasonText: "No evaluation plan.",
      feedbackHtml: expect.stringContaining("<em>evaluation</em>"),
      amountRequested: 90000,
      amountAwarded: null,
      currency: "EUR",
      language: "nl",
      applicant: clinic.name,
      descriptor: renderDescriptor("fr", "hospital@r:flanders"),
      consent: "requested",
      deadline,
      overdue: false,
      answers: [],
    });
    expect(second2).toMatchObject({
      title: two,
      decision: "withdrawn",
      reasons: [],
      reasonText: "",
      feedbackHtml: "",
      amountAwarded: 5000,
      currency: "CHF",
      language: "fr",
    });
    expect((await listConsentRequests(clinicAdmin, "fr")).map((r) => r.title)).toEqual([one, two]);
    expect((await listConsentRequests(adminOfBoth, "en")).map((r) => r.title)).toEqual([one, two, three]);
    expect((await listConsentRequests(adminOfBoth, "en"))[2]!.descriptor).toBe(renderDescriptor("en", "organisation@c:LU"));
    expect(await listConsentRequests(editorOfHospital, "en")).toEqual([]);
    expect(await listConsentRequests(null, "en")).toEqual([]);
    expect(await listConsentRequests(editor, "en")).toEqual([]);

    const deadlineAt = Date.parse(deadline.replace(" ", "T"));
    setClock(() => deadlineAt - 1);
    expect((await listConsentRequests(clinicAdmin))[0]!.overdue).toBe(false);
    setClock(() => deadlineAt);
    expect((await listConsentRequests(clinicAdmin))[0]!.overdue).toBe(true);

    // Answers, with who gave them; an answered request is no longer overdue.
    await answerConsent(clinicAdmin, first!.id, "grant");
    await answerConsent(secondAdmin, first!.id, "anonymise");
    const [answered] = await listConsentRequests(clinicAdmin);
    expect(answered).toMatchObject({ consent: "refused", overdue: false });
    expect(answered!.answers.map((a) => [a.answer, a.by])).toEqual([
      ["grant", clinicAdmin.name],
      ["anonymise", "Second Admin"],
    ]);
    expect((await listConsentRequests(clinicAdmin))[1]!.answers).toEqual([]);
  });

  it("the request mail lists what would be published: every reason, or no reasons line for a withdrawal", async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }], { kind: "hospital", region: "flanders" });
    const callId = await newCall(editor, funder.id);
    const callTitle = (await pb.collection("funding_calls").getOne(callId)).title;
    const [refused, withdrawn] = [`Refused twice over ${unique("r")}`, `Withdrawn application ${unique("w")}`];
    await recordDecisions(editor, callId, [
      row({ title: refused, applicantType: "platform", applicant: org.slug, rejectionReasons: ["eligibility", "budget_or_roi"] }),
      row({ title: withdrawn, applicantType: "platform", applicant: org.slug, decision: "withdrawn", rejectionReasons: [] }),
    ]);
    const mails = await pb.collection("mail_outbox").getFullList({ filter: pb.filter("user = {:u} && template = 'consent_request'", { u: admin.id }) });
    const published = (title: string) => String(mails.find((m) => m.params.title === title)?.params.published).split("\n");
    expect(published(refused)).toEqual([
      `- Title: ${refused}`,
      `- Funder and call: ${funder.name} — ${callTitle}`,
      "- Decision: Refused",
      "- Reasons for refusal: Eligibility, Budget or return on investment",
      `- Applicant, named as: ${org.name}`,
    ]);
    expect(published(withdrawn)).toEqual([
      `- Title: ${withdrawn}`,
      `- Funder and call: ${funder.name} — ${callTitle}`,
      "- Decision: Withdrawn",
      `- Applicant, named as: ${org.name}`,
    ]);
  });

  it("answering writes the answer and its event; every refusal says why and changes nothing", async () => {
    const moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const callId = await newCall(editor, funder.id);
    const titles = ["A asked", "B awarded", "C outside", "D to reject", "E to publish", "F to withdraw"].map((t) => `${t} ${unique("t")}`);
    setClock(() => Date.parse("2026-01-05T08:00:00.000Z"));
    await recordDecisions(editor, callId, [
      row({ title: titles[0], applicantType: "platform", applicant: hospital.slug }),
      row({ title: titles[1], applicantType: "platform", applicant: hospital.slug, decision: "awarded", amountAwarded: 1000, rejectionReasons: [] }),
      row({ title: titles[2] }),
      row({ title: titles[3], applicantType: "platform", applicant: hospital.slug }),
      row({ title: titles[4], applicantType: "platform", applicant: hospital.slug }),
      row({ title: titles[5], applicantType: "platform", applicant: hospital.slug }),
    ]);
    setClock(null);
    const [asked, awarded, outside, toReject, toPublish, toWithdraw] = await recordsOf(callId);
    const consentOf = async (id: string) => {
      const p = await pb.collection("posts").getOne(id);
      return [p.consent, p.applicant_anonymous, (await eventsOf(id)).length];
    };

    expect(await answerConsent(hospitalAdmin, asked!.id, "grant")).toEqual({ title: titles[0], answer: "grant" });
    expect(await consentOf(asked!.id)).toEqual(["granted", false, 2]);
    expect((await eventsOf(asked!.id)).find((e) => e.action === "consent_granted")).toMatchObject({
      actor: hospitalAdmin.id,
      from_status: "submitted",
      to_status: "submitted",
    });
    await answerConsent(hospitalAdmin, asked!.id, "anonymise");
    expect(await consentOf(asked!.id)).toEqual(["refused", true, 3]);

    const gone = { field: "post", message: "This consent request no longer exists." };
    expect(await refusalIn(answerConsent(hospitalAdmin, "nosuchpost12345", "grant"))).toEqual(gone);
    expect(await refusalIn(answerConsent(hospitalAdmin, outside!.id, "grant"))).toEqual(gone);
    expect(await refusalIn(answerConsent(hospitalAdmin, awarded!.id, "anonymise"))).toEqual({
      field: "consent",
      message: "This record does not need your consent.",
    });
    expect(await consentOf(awarded!.id)).toEqual(["not_needed", false, 1]);
    for (const who of [null, editor, moderator]) await expect(answerConsent(who, toReject!.id, "anonymise")).rejects.toBeInstanceOf(ForbiddenError);
    expect(await consentOf(toReject!.id)).toEqual(["requested", false, 1]);

    // Closed records: nothing left to answer. Published or hidden ones: too late.
    await claimPost(moderator, toReject!.id);
    await rejectPost(moderator, toReject!.id, "duplicate", "Recorded twice by mistake.");
    await withdrawPost(editor, toWithdraw!.id);
    const notPublished = { field: "consent", message: "This record will not be published; there is nothing to answer." };
    expect(await refusalIn(answerConsent(hospitalAdmin, toReject!.id, "grant"))).toEqual(notPublished);
    expect(await refusalIn(answerConsent(hospitalAdmin, toWithdraw!.id, "grant"))).toEqual(notPublished);
    await answerConsent(hospitalAdmin, toPublish!.id, "grant");
    await claimPost(moderator, toPublish!.id);
    await approvePost(moderator, toPublish!.id);
    const tooLate = {
      field: "consent",
      message: "This record is already published; the answer can no longer be changed. Flag the record if it names you wrongly.",
    };
    expect(await refusalIn(answerConsent(hospitalAdmin, toPublish!.id, "anonymise"))).toEqual(tooLate);
    await hidePost(moderator, toPublish!.id, "Checking a complaint.");
    expect(await refusalIn(answerConsent(hospitalAdmin, toPublish!.id, "anonymise"))).toEqual(tooLate);
    expect(await consentOf(toPublish!.id)).toEqual(["granted", false, expect.any(Number)]);
    const listed = (await listConsentRequests(hospitalAdmin)).map((r) => r.title);
    expect(listed).toContain(titles[0]);
    for (const closed of titles.slice(3)) expect(listed).not.toContain(closed);
  });
});

describe("the applicant picker", () => {
  it("offers the verified organisations by name, each with its slug, and no organisation still waiting", async () => {
    const waiting = await createOrganization(pb, [], { name: `Aaa waiting ${unique("w")}`, verified: false, verification_status: "pending" });
    const choices = await listApplicantChoices();
    expect(choices).toContainEqual({ name: hospital.name, slug: hospital.slug });
    expect(choices).toContainEqual({ name: luxembourger.name, slug: (await pb.collection("organizations").getOne(luxembourger.id)).slug });
    expect(choices.map((c) => c.slug)).not.toContain(waiting.slug);
    for (const choice of choices) expect(Object.keys(choice).sort()).toEqual(["name", "slug"]);
    const names = choices.map((c) => c.name);
    expect(names).toEqual([...names].sort());
  });
});

// The fields a funder's edit may never change: what the record is about and who it concerns.
const KEPT = [
  "kind",
  "call",
  "funder",
  "organization",
  "published_by",
  "decision",
  "applicant_organization",
  "applicant_name",
  "applicant_anonymous",
  "consent",
];
const kept = (record: Record<string, unknown>) => Object.fromEntries(KEPT.map((f) => [f, record[f]]));
const edit = (overrides: Record<string, unknown> = {}) => ({
  title: `Fall sensors, refused ${unique("e")}`,
  amountRequested: "85.000",
  decidedOn: "2026-04-02",
  language: "en",
  rejectionReasons: ["budget_or_roi", "evaluation_plan"],
  reasonText: "The budget did not cover an evaluation.",
  feedback: "Plan the **evaluation** first. <script>alert(1)</script>",
  careSettings: ["home_care"],
  aiTypes: ["computer_vision"],
  ...overrides,
});

describe("a recorded decision sent back for changes", () => {
  async function sentBack(rowOverrides: Record<string, unknown>, beforeReview?: (id: string) => Promise<unknown>): Promise<{ id: string; moderator: Actor }> {
    const moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const callId = await newCall(editor, funder.id, "2026-01-15");
    await recordDecisions(editor, callId, [row(rowOverrides)]);
    const [record] = await recordsOf(callId);
    await beforeReview?.(record!.id);
    await claimPost(moderator, record!.id);
    await requestChanges(moderator, record!.id, "Please say whether the phone number is a person's.");
    return { id: record!.id, moderator };
  }

  it("is submitted again as it is, once its finding is declared not personal data", async () => {
    const { id } = await sentBack({ applicantType: "anonymous", applicant: "", reasonText: "Call the coordinator on 0470 12 34 56 for the scoring grid." });
    const record = await pb.collection("posts").getOne(id);
    expect(record.status).toBe("changes_requested");
    const phone = (record.privacy_findings as { id: string; kind: string }[]).find((f) => f.kind === "phone")!;
    await dismissFinding(editor, id, phone.id, "The funder's switchboard, not a person.");
    // The post form's rules (a summary, a story) are not a recorded decision's: it goes back as it was recorded.
    expect(await submitPost(editor, id)).toEqual({ status: "submitted" });
    const submitted = await pb.collection("posts").getOne(id);
    expect(kept(submitted)).toEqual(kept(record));
    // The declaration holds at submission: the moderator sees the number marked, with the funder's reason.
    expect((submitted.privacy_findings as { kind: string; dismissed?: unknown }[]).filter((f) => f.kind === "phone")).toEqual([
      expect.objectContaining({ id: phone.id, field: "rejection_note", dismissed: { reason: "The funder's switchboard, not a person." } }),
    ]);
  });

  it("is edited in its own form: wording and facts change, its call, applicant and decision stay", async () => {
    const { id } = await sentBack({ applicant: "Thuiszorg West vzw", applicantKind: "home_care", applicantRegion: "flanders" });
    const before = await pb.collection("posts").getOne(id);
    const changes = edit();
    await saveRecordedDecision(editor, id, changes);
    const after = await pb.collection("posts").getOne(id);
    expect(kept(after)).toEqual(kept(before));
    expect(after).toMatchObject({
      title: changes.title,
      amount_requested: 85000,
      rejection_reasons: ["budget_or_roi", "evaluation_plan"],
      rejection_note: changes.reasonText,
      summary: changes.reasonText,
      care_settings: ["home_care"],
      ai_types: ["computer_vision"],
      status: "changes_requested",
    });
    expect(after.decided_on.slice(0, 10)).toBe("2026-04-02");
    expect(after.funder_feedback_html).toContain("<strong>evaluation</strong>");
    expect(after.funder_feedback_html).not.toContain("<script");
    expect(await submitPost(editor, id)).toEqual({ status: "submitted" });
  });

  it("refuses what would break it or change what consent was asked on, and changes nothing", async () => {
    const { id } = await sentBack({});
    const before = await pb.collection("posts").getOne(id);
    const unchanged = async () => {
      const now = await pb.collection("posts").getOne(id);
      expect({ ...now, updated: null }).toEqual({ ...before, updated: null });
    };
    // A refusal keeps its reasons; a decision cannot predate its call; the post form would drop the call.
    expect(await refusalIn(saveRecordedDecision(editor, id, edit({ rejectionReasons: [] })))).toEqual({
      field: "rejectionReasons",
      message: "Choose at least one reason for the refusal.",
    });
    expect((await refusalIn(saveRecordedDecision(editor, id, edit({ decidedOn: "2026-01-02" }))))?.field).toBe("decidedOn");
    expect(await refusalIn(saveRecordedDecision(editor, id, edit({ title: "Short" })))).toEqual({
      field: "title",
      message: "Give a title of at least 8 characters.",
    });
    expect((await refusalIn(saveRecordedDecision(editor, id, edit({ reasonText: "Patient 85.07.30-033.28 was named in the annex." }))))?.field).toBe("privacy");
    expect(
      await refusalIn(
        saveDraft(editor, { kind: "funding_application", organization: funder.id, title: "Rewritten in the applicant's form", language: "en" }, id),
      ),
    ).toEqual({ field: "post", message: "A funder’s recorded decision is edited in its own form, which keeps its call and applicant." });
    // Only the funder's own editors; another funder's editor is refused.
    await expect(saveRecordedDecision(dpoFunderEditor, id, edit())).rejects.toBeInstanceOf(ForbiddenError);
    await unchanged();
  });

  it("is not edited when it names its applicant on the text they were asked to agree to", async () => {
    // The hospital agreed to be named on this record as it was recorded.
    const { id } = await sentBack({ applicantType: "platform", applicant: hospital.slug }, (record) => answerConsent(hospitalAdmin, record, "grant"));
    const before = await pb.collection("posts").getOne(id);
    expect(before.consent).toBe("granted");
    expect(await refusalIn(saveRecordedDecision(editor, id, edit()))).toEqual({
      field: "post",
      message: "This record names the applicant on the text they were asked to agree to: withdraw it and record the decision again to change it.",
    });
    expect((await pb.collection("posts").getOne(id)).title).toBe(before.title);
    // Its wording stays what the hospital agreed to; as it is, it goes back to moderation.
    expect(await submitPost(editor, id)).toEqual({ status: "submitted" });
  });
});

describe("a published recorded decision, edited by its funder", () => {
  // Recorded, approved and public; returns its id and the moderator who reviews its edits.
  async function published(
    rowOverrides: Record<string, unknown> = {},
    beforeReview?: (id: string) => Promise<unknown>,
  ): Promise<{ id: string; moderator: Actor }> {
    const moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const callId = await newCall(editor, funder.id, "2026-01-15");
    await recordDecisions(editor, callId, [row({ reasonText: "Outside the call's scope.", ...rowOverrides })]);
    const [record] = await recordsOf(callId);
    await beforeReview?.(record!.id);
    await claimPost(moderator, record!.id);
    await approvePost(moderator, record!.id);
    expect((await pb.collection("posts").getOne(record!.id)).status).toBe("published");
    return { id: record!.id, moderator };
  }
  const publicView = async (id: string) => getPublishedPost("en", (await pb.collection("posts").getOne(id)).slug);

  it("waits as a revision while the published record stays; approved, the record and its public page change and nothing else does", async () => {
    const { id, moderator } = await published();
    const before = await pb.collection("posts").getOne(id);
    const publicBefore = await publicView(id);
    const changes = edit();
    await saveRecordedDecision(editor, id, changes);
    // Nothing public moved: the record as approved is what readers see.
    const waiting = await pb.collection("posts").getOne(id);
    expect({ ...waiting, updated: null, pending_revision: null, revision_status: null }).toEqual({
      ...before,
      updated: null,
      pending_revision: null,
      revision_status: null,
    });
    expect(waiting.revision_status).toBe("draft");
    expect(await publicView(id)).toEqual(publicBefore);
    // Saved again before submitting: the same revision, not a second one.
    await saveRecordedDecision(editor, id, { ...changes, reasonText: "The budget did not cover an evaluation plan." });
    expect((await pb.collection("posts").getOne(id)).pending_revision).toBe(waiting.pending_revision);
    expect(await pb.collection("revisions").getFullList({ filter: pb.filter("post = {:p} && status = 'pending'", { p: id }) })).toHaveLength(1);
    // Submitted under the decision rules (a recorded decision has no summary or story to require).
    expect(await submitPost(editor, id)).toEqual({ status: "submitted" });
    // The moderator sees exactly what changes, field by field.
    const review = (await getPrivatePost(moderator, id))!;
    expect(review.live?.title).toBe(before.title);
    expect(review.diff.map((d) => d.field).sort()).toEqual(
      // The funder records in Dutch (its interface language); the edit says the reasons are in English.
      [
        "title",
        "summary",
        "rejection_note",
        "rejection_reasons",
        "amount_requested",
        "decided_on",
        "care_settings",
        "ai_types",
        "funder_feedback_md",
        "language",
      ].sort(),
    );
    await claimPost(moderator, id);
    await approvePost(moderator, id, "Thanks for the correction.");
    const after = await pb.collection("posts").getOne(id);
    expect(kept(after)).toEqual(kept(before));
    expect(after).toMatchObject({
      title: changes.title,
      amount_requested: 85000,
      rejection_reasons: ["budget_or_roi", "evaluation_plan"],
      rejection_note: "The budget did not cover an evaluation plan.",
      status: "published",
      pending_revision: "",
      revision_status: "",
      slug: before.slug,
      published_at: before.published_at,
    });
    expect(after.funder_feedback_html).toContain("<strong>evaluation</strong>");
    expect(after.funder_feedback_html).not.toContain("<script");
    const publicAfter = (await publicView(id))!;
    expect(publicAfter.title).toBe(changes.title);
    expect(publicAfter.funding).toMatchObject({ amountRequested: 85000, reasonText: "The budget did not cover an evaluation plan.", decision: "rejected" });
    // The search index is told, in the approval's batch.
    const outboxRows = await pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:r}", { r: id }) });
    expect(outboxRows.map((r) => r.op)).toContain("upsert");
    expect((await eventsOf(id)).map((e) => e.action)).toEqual(expect.arrayContaining(["revision_start", "approve_revision"]));
  });

  it("the applicant on the platform is told when its record goes public and when a correction does, and whether the record names it", async () => {
    const told = async (id: string) => {
      const slug = (await pb.collection("posts").getOne(id)).slug;
      const notices = await pb.collection("notifications").getFullList({
        filter: pb.filter("user = {:u} && kind = 'record_published' && link = {:l}", { u: hospitalAdmin.id, l: `/posts/${slug}` }),
        sort: "created,@rowid",
      });
      return notices.map((n) => [n.params.change, n.params.shown, n.params.org, n.params.funder]);
    };
    const mails = async () =>
      (await pb.collection("mail_outbox").getFullList({ filter: pb.filter("user = {:u} && template = 'record_published'", { u: hospitalAdmin.id }) })).length;
    const mailsBefore = await mails();
    // A refusal the hospital asked to keep anonymous: published without its name, and it hears so.
    const refused = await published({ applicantType: "platform", applicant: hospital.slug, reasonText: "No evaluation plan." }, (id) =>
      answerConsent(hospitalAdmin, id, "anonymise"),
    );
    expect(await told(refused.id)).toEqual([["published", "unnamed", hospital.name, funder.name]]);
    // The funder corrects it: the hospital hears of the correction once a moderator approved it, not before.
    await saveRecordedDecision(editor, refused.id, edit());
    await submitPost(editor, refused.id);
    expect(await told(refused.id)).toHaveLength(1);
    await claimPost(refused.moderator, refused.id);
    await approvePost(refused.moderator, refused.id);
    expect(await told(refused.id)).toEqual([
      ["published", "unnamed", hospital.name, funder.name],
      ["corrected", "unnamed", hospital.name, funder.name],
    ]);
    // An award names its applicant.
    const awarded = await published({ applicantType: "platform", applicant: hospital.slug, decision: "awarded", amountAwarded: 60000, rejectionReasons: [] });
    expect(await told(awarded.id)).toEqual([["published", "named", hospital.name, funder.name]]);
    expect((await mails()) - mailsBefore).toBe(3);
    // An applicant outside the platform has nobody to tell; the funder's own people are not told of their record either.
    const outside = await published();
    expect(await told(outside.id)).toEqual([]);
    expect(await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = 'record_published'", { u: editor.id }) })).toEqual([]);
  });

  it("refused by the moderator, leaves the published record as it was", async () => {
    const { id, moderator } = await published();
    const before = await pb.collection("posts").getOne(id);
    await saveRecordedDecision(editor, id, edit({ amountRequested: "1" }));
    await submitPost(editor, id);
    await claimPost(moderator, id);
    await rejectPost(moderator, id, "other", "The amount was right as published.");
    const after = await pb.collection("posts").getOne(id);
    expect({ ...after, updated: null, feedback: null, submitted_at: null }).toEqual({ ...before, updated: null, feedback: null, submitted_at: null });
  });

  it("refuses what it refuses before publication, and no revision is started", async () => {
    const { id } = await published();
    const before = await pb.collection("posts").getOne(id);
    expect(await refusalIn(saveRecordedDecision(editor, id, edit({ rejectionReasons: [] })))).toEqual({
      field: "rejectionReasons",
      message: "Choose at least one reason for the refusal.",
    });
    expect((await refusalIn(saveRecordedDecision(editor, id, edit({ reasonText: "Patient 85.07.30-033.28 was named in the annex." }))))?.field).toBe("privacy");
    await expect(saveRecordedDecision(dpoFunderEditor, id, edit())).rejects.toBeInstanceOf(ForbiddenError);
    // The applicant's own post form would drop the call and applicant.
    expect(
      (
        await refusalIn(
          saveDraft(editor, { kind: "funding_application", organization: funder.id, title: "Rewritten in the applicant's form", language: "en" }, id),
        )
      ).field,
    ).toBe("post");
    const after = await pb.collection("posts").getOne(id);
    expect({ ...after, updated: null }).toEqual({ ...before, updated: null });
    expect(await pb.collection("revisions").getFullList({ filter: pb.filter("post = {:p} && status = 'pending'", { p: id }) })).toEqual([]);
  });

  it("is not edited when it names its applicant on what they agreed to", async () => {
    const { id } = await published({ applicantType: "platform", applicant: hospital.slug }, (record) => answerConsent(hospitalAdmin, record, "grant"));
    expect(await refusalIn(saveRecordedDecision(editor, id, edit()))).toEqual({
      field: "post",
      message: "This record names the applicant on the text they were asked to agree to: withdraw it and record the decision again to change it.",
    });
    expect((await pb.collection("posts").getOne(id)).pending_revision).toBe("");
  });
});
