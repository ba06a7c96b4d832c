// Issue 9 §1 and §2 on a real PocketBase: an anonymous or anonymised record is never linked
// to the named record of the same application, and a descriptor names a group of at least K
// verified organisations, recomputed (and re-indexed) when organisations are verified.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { chooseDescriptor, loadCrowd } from "../../src/lib/server/anonymity.ts";
import { answerConsent, recordDecisions, reviewAnonymity, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { requestOrganization, reviewOrganization } from "../../src/lib/server/orgs.ts";
import { getPublishedPost } from "../../src/lib/server/posts.ts";
import { getPrivatePost } from "../../src/lib/server/queues.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let funderEditor: Actor;
let applicantAdmin: Actor;
let applicantEditor: Actor;
let moderator: Actor;
let funderId: string;
let applicant: { id: string; slug: string; name: string };
let K: number;

beforeAll(async () => {
  pb = await useTestPocketBase();
  // A K one above what the test's own organisation will make of mental-health services in
  // Wallonia, so that verifying one more reaches it (integration files run one at a time).
  const before = await pb.collection("organizations").getList(1, 1, { filter: "verified = true && kind = 'mental_health' && region = 'wallonia'" });
  K = before.totalItems + 2;
  process.env.CASEBOOK_ANONYMITY_K = String(K);
  const [fe, aa, ae, mod] = await Promise.all([createUser(pb), createUser(pb), createUser(pb), createUser(pb, { role: "moderator" })]);
  funderId = (await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", name: `Fund ${unique("f")}` })).id;
  applicant = await createOrganization(
    pb,
    [
      { userId: aa.id, role: "admin" },
      { userId: ae.id, role: "editor" },
    ],
    { kind: "mental_health", region: "wallonia", name: `Clinique ${unique("c")}` },
  );
  [funderEditor, applicantAdmin, applicantEditor, moderator] = (await Promise.all([fe, aa, ae, mod].map((u) => loadActor(u.id)))) as [
    Actor,
    Actor,
    Actor,
    Actor,
  ];
});

async function newCall(): Promise<string> {
  const { slug } = await saveCall(funderEditor, funderId, {
    title: `Mental health AI ${unique("c")}`,
    description: "A call for AI projects in mental-health services, 2025.",
    status: "closed",
    currency: "EUR",
    budget: "400000",
  });
  return (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
}

async function publish(id: string): Promise<void> {
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

async function funderRecord(callId: string, overrides: Record<string, unknown> = {}): Promise<{ id: string; slug: string }> {
  const title = `Funder side ${unique("fs")}`;
  await recordDecisions(funderEditor, callId, [
    {
      title,
      applicantType: "platform",
      applicant: applicant.slug,
      amountRequested: 87654,
      decision: "rejected",
      decidedOn: "2025-05-31",
      rejectionReasons: ["data_governance"],
      ...overrides,
    },
  ]);
  const r = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
  return { id: r.id, slug: r.slug };
}

function applicantInput(callId: string, anonymous: boolean, title = `Our refused application ${unique("own")}`) {
  return {
    kind: "funding_application",
    organization: applicant.id,
    call: callId,
    title,
    summary: "Why our application was refused, and what we changed afterwards.",
    body_md: "## Context\n\nWe applied for a triage assistant for our outpatient mental-health service and were refused.",
    language: "en",
    tags: "",
    anonymous,
    decision: "rejected",
    rejection_reasons: ["data_governance"],
    amount_requested: "87654",
  };
}

async function applicantAccount(callId: string, anonymous: boolean): Promise<{ id: string; slug: string }> {
  const own = await saveDraft(applicantEditor, applicantInput(callId, anonymous));
  await submitPost(applicantEditor, own.id);
  return own;
}

describe("counterparts (issue 9 §1)", () => {
  const cases = [
    { name: "an anonymous applicant's account is never linked to the funder's record that names it", funder: "named", applicantAnonymous: true },
    { name: "a funder's anonymised record is never linked to the applicant's named account", funder: "anonymised", applicantAnonymous: false },
  ] as const;
  for (const c of cases) {
    it(c.name, async () => {
      const call = await newCall();
      const record = await funderRecord(call);
      await answerConsent(applicantAdmin, record.id, c.funder === "named" ? "grant" : "anonymise");
      await publish(record.id);
      const own = await applicantAccount(call, c.applicantAnonymous);
      // The moderator sees the other record before deciding.
      const review = await reviewAnonymity(moderator, "en", own.id);
      expect(review.related.map((r) => r.id)).toEqual([record.id]);
      await publish(own.id);
      for (const id of [own.id, record.id]) expect((await pb.collection("posts").getOne(id)).counterpart).toBe("");
      const pub = [await getPublishedPost("en", own.slug), await getPublishedPost("en", record.slug)];
      for (const p of pub) expect(p?.funding?.counterpartSlug).toBeNull();
      const text = JSON.stringify(pub);
      if (c.applicantAnonymous) expect(JSON.stringify(pub[0])).not.toContain(applicant.name);
      else expect(JSON.stringify(pub[1])).not.toContain(applicant.name);
      expect(text).not.toContain(c.applicantAnonymous ? own.id : record.id);
    });
  }

  it("two named records are still linked, and the moderator is not warned", async () => {
    const call = await newCall();
    const record = await funderRecord(call);
    await answerConsent(applicantAdmin, record.id, "grant");
    await publish(record.id);
    const own = await applicantAccount(call, false);
    expect((await reviewAnonymity(moderator, "en", own.id)).related).toEqual([]);
    await publish(own.id);
    expect((await getPublishedPost("en", own.slug))?.funding?.counterpartSlug).toBe(record.slug);
    // Whoever reviews the funder's record later (an edit, a flag) sees which account it is linked to.
    const ownTitle = (await pb.collection("posts").getOne(own.id)).title;
    expect((await getPrivatePost(moderator, record.id))?.identity.counterpart).toEqual({ id: own.id, title: ownTitle, status: "published" });
    expect((await getPrivatePost(moderator, own.id))?.identity.counterpart).toMatchObject({ id: record.id, status: "published" });
  });

  it("an approved edit that makes a linked account anonymous undoes the link on both sides, and the funder's record is indexed again", async () => {
    const call = await newCall();
    const record = await funderRecord(call);
    await answerConsent(applicantAdmin, record.id, "grant");
    await publish(record.id);
    const own = await applicantAccount(call, false);
    await publish(own.id);
    expect((await pb.collection("posts").getOne(record.id)).counterpart).toBe(own.id);
    const { title } = await pb.collection("posts").getOne(own.id);
    await saveDraft(applicantEditor, applicantInput(call, true, title), own.id);
    await submitPost(applicantEditor, own.id);
    // Until the edit is approved the published version, named, keeps its link.
    expect((await getPublishedPost("en", record.slug))?.funding?.counterpartSlug).toBe(own.slug);
    const since = new Date().toISOString().replace("T", " ");
    await publish(own.id);
    for (const id of [own.id, record.id]) expect((await pb.collection("posts").getOne(id)).counterpart).toBe("");
    const pub = [await getPublishedPost("en", own.slug), await getPublishedPost("en", record.slug)];
    expect(pub.map((p) => p?.funding?.counterpartSlug)).toEqual([null, null]);
    expect(JSON.stringify(pub[0])).not.toContain(applicant.name);
    expect(JSON.stringify(pub[1])).not.toContain(own.slug);
    const queued = await pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:r} && created >= {:s}", { r: record.id, s: since }) });
    expect(queued.map((r) => r.op)).toContain("upsert");
  });
});

describe("descriptors from the crowd (issue 9 §2)", () => {
  it("coarsens below K verified organisations and refines, re-indexed, when one more is verified", async () => {
    const subject = { kind: "mental_health", region: "wallonia", country: "BE" };
    const draft = await saveDraft(applicantEditor, {
      kind: "case_study",
      organization: applicant.id,
      title: `Anonymous triage lessons ${unique("a")}`,
      summary: "What went wrong with our triage assistant and what we learned.",
      body_md: "## Context\n\nOur triage assistant flagged too many patients and the team stopped trusting it.",
      language: "en",
      tags: "",
      anonymous: true,
      outcome: "failure",
      lifecycle_stage: "stopped",
      care_settings: ["mental_health"],
      ai_types: ["predictive_model"],
      lessons_md: "- Agree an alert budget first.",
    });
    await submitPost(applicantEditor, draft.id);
    await publish(draft.id);
    const coarse = (await pb.collection("posts").getOne(draft.id)).public_descriptor;
    expect(coarse).toBe(chooseDescriptor(subject, await loadCrowd(), K).code);
    expect(coarse).not.toBe("mental_health@r:wallonia");
    expect((await getPublishedPost("en", draft.slug))?.byline).not.toBe("a mental-health service in Wallonia");

    const [requesterUser] = await Promise.all([createUser(pb)]);
    const requester = (await loadActor(requesterUser.id))!;
    const { slug } = await requestOrganization(requester, {
      name: `Second clinic ${unique("s")}`,
      kind: "mental_health",
      country: "BE",
      region: "wallonia",
      website: "",
      description: "",
    });
    const other = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    const since = new Date(Date.now() - 1000).toISOString().replace("T", " ");
    await reviewOrganization(moderator, other.id, "verify");
    expect((await pb.collection("posts").getOne(draft.id)).public_descriptor).toBe("mental_health@r:wallonia");
    expect((await getPublishedPost("en", draft.slug))?.byline).toBe("a mental-health service in Wallonia");
    const rows = await pb.collection("search_outbox").getFullList({ filter: pb.filter("record = {:r} && created >= {:s}", { r: draft.id, s: since }) });
    expect(rows.length).toBeGreaterThan(0);
  });

  it("an anonymised applicant in a funder's record gets the crowd-checked descriptor", async () => {
    const call = await newCall();
    const record = await funderRecord(call, {
      applicantType: "anonymous",
      applicant: "",
      applicantKind: "primary_care",
      applicantRegion: "brussels",
      decision: "rejected",
    });
    await publish(record.id);
    const stored = (await pb.collection("posts").getOne(record.id)).public_descriptor;
    expect(stored).toBe(chooseDescriptor({ kind: "primary_care", region: "brussels", country: null }, await loadCrowd(), K).code);
    const p = await getPublishedPost("en", record.slug);
    expect(p?.funding?.applicant.name).toBeNull();
  });
});

// A pseudonymous text that names who it keeps from readers unmasks it, however carefully its byline was chosen.
describe("names a post keeps from its readers", () => {
  const refusalOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return { field: (error as { field?: string }).field, message: (error as Error).message };
  };
  const NAMES_POST =
    "This text names who it keeps from readers (a pseudonymous post’s organisation, or an applicant the record does not name). Remove the name before submitting: readers would learn who is behind it.";

  it("a pseudonymous account naming its organisation is saved with a blocking finding and cannot be submitted; signed, the same text goes", async () => {
    const callId = await newCall();
    const body = `## Context\n\nAt **${applicant.name.toUpperCase()}** we applied for a triage assistant and were refused.`;
    const hidden = await saveDraft(applicantEditor, { ...applicantInput(callId, true), body_md: body });
    expect(hidden.findings.filter((f) => f.kind === "hidden_name")).toEqual([
      expect.objectContaining({ field: "body_md", blocking: true, match: applicant.name.toUpperCase() }),
    ]);
    expect(await refusalOf(submitPost(applicantEditor, hidden.id))).toEqual({ field: "privacy", message: NAMES_POST });
    expect((await pb.collection("posts").getOne(hidden.id)).status).toBe("draft");
    const signed = await saveDraft(applicantEditor, { ...applicantInput(callId, false), body_md: body });
    expect(signed.findings.filter((f) => f.kind === "hidden_name")).toEqual([]);
    expect(await submitPost(applicantEditor, signed.id)).toEqual({ status: "submitted" });
  });

  it("an edit of a published pseudonymous post that adds the name is refused at submission; the live version stays", async () => {
    const callId = await newCall();
    const own = await applicantAccount(callId, true);
    await publish(own.id);
    const live = await pb.collection("posts").getOne(own.id);
    await saveDraft(applicantEditor, { ...applicantInput(callId, true, live.title), summary: `What ${applicant.name} changed after the refusal.` }, own.id);
    expect(await refusalOf(submitPost(applicantEditor, own.id))).toEqual({ field: "privacy", message: NAMES_POST });
    const after = await pb.collection("posts").getOne(own.id);
    expect({ summary: after.summary, status: after.status, revision: after.revision_status }).toEqual({
      summary: live.summary,
      status: "published",
      revision: "draft",
    });
  });

  it("a funder's record does not name an applicant it keeps unnamed (refused without consent, or still asked); it may name one it names", async () => {
    const callId = await newCall();
    const before = (await pb.collection("posts").getList(1, 1, { filter: pb.filter("call = {:c}", { c: callId }) })).totalItems;
    const outside = { applicantType: "outside", applicant: "Zorg Oost vzw", reasonText: "Zorg Oost vzw had no evaluation plan." };
    expect(await refusalOf(funderRecord(callId, outside))).toEqual({
      field: "privacy",
      message: expect.stringMatching(/^"Funder side .*" names the applicant it does not name publicly/),
    });
    // Still asked for consent: it may yet refuse, so its name stays out of the text.
    expect((await refusalOf(funderRecord(callId, { feedback: `We told ${applicant.name} to start with a pilot.` }))).field).toBe("privacy");
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("call = {:c}", { c: callId }) })).totalItems).toBe(before);
    // Consent obtained by the funder, or an award (which names its applicant): the name may be written.
    await funderRecord(callId, { ...outside, consentObtained: true });
    await funderRecord(callId, { decision: "awarded", rejectionReasons: [], amountAwarded: 50000, reasonText: `${applicant.name} showed a sound plan.` });
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("call = {:c}", { c: callId }) })).totalItems).toBe(before + 2);
  });
});
