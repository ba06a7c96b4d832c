// Issue 11 §12–§16, data rules of funding decisions: the applicant chosen by name, the
// consent deadline and changing the answer until publication, call dates (decisions before
// the call opened, calls past their closing date), the language of a record through the
// form and a CSV file, and decisions grouped per call instead of listed with the stories.
import type PocketBase from "pocketbase";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { setClock } from "../../src/lib/server/clock.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import {
  CONSENT_DAYS,
  answerConsent,
  getPublicCall,
  importDecisionsCsv,
  listConsentRequests,
  listDecisionGroups,
  listPublicCalls,
  loadPublicDecisions,
  recordDecisions,
  saveCall,
} from "../../src/lib/server/funding.ts";
import { approvePost, claimPost } from "../../src/lib/server/moderation.ts";
import { decisionsToCsv } from "../../src/lib/server/opendata.ts";
import { getPublishedPost, listPublishedPosts } from "../../src/lib/server/posts.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

const DAY = 24 * 60 * 60 * 1000;

let pb: PocketBase;
let funderEditor: Actor;
let applicantAdmin: Actor;
let moderator: Actor;
let funderId: string;
let applicant: { id: string; slug: string; name: string };

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [fe, aa, mod] = await Promise.all([createUser(pb), createUser(pb), createUser(pb, { role: "moderator" })]);
  funderId = (await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", name: `Fund ${unique("f")}` })).id;
  applicant = await createOrganization(pb, [{ userId: aa.id, role: "admin" }], { kind: "hospital", region: "flanders", name: `Ziekenhuis ${unique("z")}` });
  [funderEditor, applicantAdmin, moderator] = (await Promise.all([fe, aa, mod].map((u) => loadActor(u.id)))) as [Actor, Actor, Actor];
});

afterEach(() => setClock(null));

async function newCall(dates: { opens_on?: string; closes_on?: string; status?: string } = {}): Promise<{ id: string; slug: string }> {
  const { slug } = await saveCall(funderEditor, funderId, {
    title: `Sepsis prediction call ${unique("c")}`,
    description: "A call for AI projects that predict sepsis on the ward.",
    status: dates.status ?? "closed",
    currency: "EUR",
    budget: "300000",
    opens_on: dates.opens_on ?? "",
    closes_on: dates.closes_on ?? "",
  });
  const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
  return { id: call.id, slug };
}

const refusal = (overrides: Record<string, unknown> = {}) => ({
  title: `Early sepsis warning ${unique("d")}`,
  applicantType: "platform",
  applicant: applicant.name,
  amountRequested: 80000,
  decision: "rejected",
  decidedOn: "2025-06-30",
  rejectionReasons: ["clinical_value"],
  reasonText: "The expected clinical benefit was not quantified.",
  feedback: "Quantify the **expected benefit** before applying.",
  ...overrides,
});

async function recordOne(callId: string, overrides: Record<string, unknown> = {}) {
  const title = `Early sepsis warning ${unique("d")}`;
  await recordDecisions(funderEditor, callId, [refusal({ title, ...overrides })]);
  return pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
}

async function claimAndApprove(id: string) {
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

describe("the applicant is chosen by name (§12)", () => {
  it("a verified organisation's name finds it, like its slug; an unknown name is refused and nothing is written", async () => {
    const call = await newCall();
    expect((await recordOne(call.id)).applicant_organization).toBe(applicant.id);
    expect((await recordOne(call.id, { applicant: applicant.slug })).applicant_organization).toBe(applicant.id);
    const title = `Unknown applicant ${unique("u")}`;
    await expect(recordDecisions(funderEditor, call.id, [refusal({ title, applicant: "Hôpital Nulle Part" })])).rejects.toThrow(
      /No verified organisation on Casebook is called "Hôpital Nulle Part"/,
    );
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);
  });
});

describe("consent: deadline, record of answers, change until publication (§13)", () => {
  it("the request shows what would be published, the organisation's own descriptor and a deadline CONSENT_DAYS away", async () => {
    const start = Date.parse("2026-03-02T09:00:00Z");
    setClock(() => start);
    const call = await newCall();
    const record = await recordOne(call.id, { amountRequested: 91000 });
    expect(Date.parse(record.consent_deadline)).toBe(start + CONSENT_DAYS * DAY);
    const request = (await listConsentRequests(applicantAdmin, "en")).find((r) => r.id === record.id)!;
    expect(request).toMatchObject({
      title: record.title,
      applicant: applicant.name,
      consent: "requested",
      overdue: false,
      decision: "rejected",
      decidedOn: "2025-06-30",
      amountRequested: 91000,
      reasons: ["clinical_value"],
      reasonText: "The expected clinical benefit was not quantified.",
      answers: [],
    });
    expect(request.feedbackHtml).toContain("<strong>expected benefit</strong>");
    // The organisation's own descriptor (a hospital, in Flanders or coarser if the crowd is small), not a sample one.
    expect(request.descriptor).toMatch(/hospital|organisation/);
    expect(request.descriptor).not.toMatch(/care home|Brussels/);
  });

  it("the answer can change until publication; every answer is kept with who gave it; after publication it is refused", async () => {
    const call = await newCall();
    const record = await recordOne(call.id);
    await answerConsent(applicantAdmin, record.id, "grant");
    await answerConsent(applicantAdmin, record.id, "anonymise");
    let request = (await listConsentRequests(applicantAdmin, "en")).find((r) => r.id === record.id)!;
    expect(request.consent).toBe("refused");
    expect(request.answers.map((a) => [a.answer, a.by])).toEqual([
      ["grant", applicantAdmin.name],
      ["anonymise", applicantAdmin.name],
    ]);
    expect(await answerConsent(applicantAdmin, record.id, "grant")).toEqual({ title: record.title, answer: "grant" });
    request = (await listConsentRequests(applicantAdmin, "en")).find((r) => r.id === record.id)!;
    expect(request.consent).toBe("granted");
    await claimAndApprove(record.id);
    expect((await getPublishedPost("en", record.slug))?.funding?.applicant.name).toBe(applicant.name);
    await expect(answerConsent(applicantAdmin, record.id, "anonymise")).rejects.toThrow(/already published; the answer can no longer be changed/);
    expect((await pb.collection("posts").getOne(record.id)).consent).toBe("granted");
    expect((await listConsentRequests(applicantAdmin, "en")).map((r) => r.id)).not.toContain(record.id);
  });

  it("unanswered: not publishable before the deadline; after it, published with the descriptor only", async () => {
    const start = Date.parse("2026-04-01T09:00:00Z");
    setClock(() => start);
    const call = await newCall();
    const record = await recordOne(call.id);
    setClock(() => start + (CONSENT_DAYS - 1) * DAY);
    await expect(claimPost(moderator, record.id)).rejects.toBeInstanceOf(ValidationError);
    expect((await listConsentRequests(applicantAdmin, "en")).find((r) => r.id === record.id)?.overdue).toBe(false);
    setClock(() => start + CONSENT_DAYS * DAY + 1000);
    expect((await listConsentRequests(applicantAdmin, "en")).find((r) => r.id === record.id)?.overdue).toBe(true);
    await claimAndApprove(record.id);
    const post = await getPublishedPost("en", record.slug);
    expect(post?.funding?.applicant.name).toBeNull();
    expect(JSON.stringify(post)).not.toContain(applicant.name);
  });
});

describe("call dates (§15)", () => {
  it("a decision dated before the call opened is refused with both dates (form and CSV); the opening day is accepted", async () => {
    const call = await newCall({ opens_on: "2025-03-01", closes_on: "2025-04-30" });
    const title = `Too early ${unique("e")}`;
    await expect(recordDecisions(funderEditor, call.id, [refusal({ title, decidedOn: "2025-02-28" })])).rejects.toThrow(
      "The decision date 2025-02-28 is before the call opened (2025-03-01); check the date, or record it on the right call.",
    );
    const csv = `title,applicant_type,applicant,amount_requested,decision,decided_on,rejection_reasons\n${title},platform,${applicant.slug},1000,rejected,2025-02-28,other\n`;
    await expect(importDecisionsCsv(funderEditor, call.id, new TextEncoder().encode(csv))).rejects.toThrow(
      /Row 1, decided_on: The decision date 2025-02-28 is before the call opened \(2025-03-01\)/,
    );
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);
    expect((await recordOne(call.id, { decidedOn: "2025-03-01" })).decided_on).toMatch(/^2025-03-01/);
  });

  it("an open call whose closing date has passed reads as closed; one still open or without a closing date stays open", async () => {
    setClock(() => Date.parse("2026-05-10T12:00:00Z"));
    const past = await newCall({ status: "open", opens_on: "2026-01-01", closes_on: "2026-05-09" });
    const today = await newCall({ status: "open", opens_on: "2026-01-01", closes_on: "2026-05-10" });
    const endless = await newCall({ status: "open", opens_on: "2026-01-01" });
    expect((await getPublicCall(past.slug))?.status).toBe("closed");
    expect((await getPublicCall(today.slug))?.status).toBe("open");
    expect((await getPublicCall(endless.slug))?.status).toBe("open");
    expect((await listPublicCalls()).find((c) => c.slug === past.slug)?.status).toBe("closed");
    // Stored as the funder wrote it: only what readers see changes.
    expect((await pb.collection("funding_calls").getOne(past.id)).status).toBe("open");
  });
});

describe("the language of a decision (§14)", () => {
  it("goes from the form and from a CSV column into the record, and back out on the public post", async () => {
    const call = await newCall();
    const fromForm = await recordOne(call.id, { language: "fr", decision: "withdrawn", rejectionReasons: [], applicantType: "anonymous", applicant: "" });
    expect(fromForm.language).toBe("fr");
    const nl = `Vroege sepsiswaarschuwing ${unique("nl")}`;
    const en = `Sepsis warning in English ${unique("en")}`;
    const csv = [
      "title;applicant_type;applicant;amount_requested;amount_awarded;decision;decided_on;rejection_reasons;language",
      `${nl};anonymous;;1000;500;awarded;2025-06-01;;nl`,
      `${en};anonymous;;1000;500;awarded;2025-06-01;;`,
    ].join("\n");
    await importDecisionsCsv(funderEditor, call.id, new TextEncoder().encode(csv));
    const nlRecord = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: nl }));
    const enRecord = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: en }));
    expect(nlRecord.language).toBe("nl");
    // Empty: the importing funder's interface language.
    expect(enRecord.language).toBe(funderEditor.locale);
    await claimAndApprove(nlRecord.id);
    expect((await getPublishedPost("en", nlRecord.slug))?.language).toBe("nl");
    // …and into the open-data exports.
    const exported = (await loadPublicDecisions()).find((d) => d.id === nlRecord.id);
    expect(exported?.language).toBe("nl");
    expect(decisionsToCsv([exported!], { publicUrl: "https://casebook.example", generatedAt: new Date(), filter: {} })).toMatch(/,nl,/);
  });
});

describe("decisions do not flood the stories (§16)", () => {
  it("the stories list leaves funders' records out; the groups count them per call", async () => {
    const call = await newCall();
    const titles = [`Grouped award one ${unique("g")}`, `Grouped award two ${unique("g")}`];
    await recordDecisions(
      funderEditor,
      call.id,
      titles.map((title) => ({
        ...refusal({ title }),
        applicantType: "anonymous",
        applicant: "",
        decision: "awarded",
        amountAwarded: 500,
        rejectionReasons: [],
      })),
    );
    for (const title of titles) await claimAndApprove((await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }))).id);
    const stories = await listPublishedPosts("en", { perPage: 500, storiesOnly: true });
    expect(stories.items.some((p) => titles.includes(p.title))).toBe(false);
    expect(stories.items.every((p) => p.funding?.publishedBy !== "funder")).toBe(true);
    expect((await listPublishedPosts("en", { perPage: 500 })).items.filter((p) => titles.includes(p.title))).toHaveLength(2);
    const group = (await listDecisionGroups(50)).find((g) => g.call.slug === call.slug);
    expect(group).toMatchObject({ total: 2, byDecision: { awarded: 2 } });
  });
});
