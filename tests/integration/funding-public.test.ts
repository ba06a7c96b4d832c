// What the public reads of funders' decisions (issue 10 §7, survivors of the mutation run over funding.ts): a call's
// decisions one per application, the home page's groups per call, the insights' decisions and the open-data export.
// Records are written, answered and published through the domain; the file has its own PocketBase, so each list is
// exactly what is published here.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import {
  answerConsent,
  listCallDecisions,
  listDecisionGroups,
  loadInsightData,
  loadPublicDecisions,
  recordDecisions,
  reviewAnonymity,
  saveCall,
} from "../../src/lib/server/funding.ts";
import { getPublishedPost } from "../../src/lib/server/posts.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useOwnPocketBase } from "./setup.ts";

let pb: PocketBase;
let stop: () => Promise<void>;
let moderator: Actor;
let funder: { id: string; slug: string; name: string };
let hospital: { id: string; slug: string; name: string };
let careHome: { id: string; slug: string; name: string };
const calls: Record<"one" | "two" | "three" | "four", { id: string; slug: string; title: string }> = {} as never;
/** Every post published here, by label: its id, slug and title. */
const posts: Record<string, { id: string; slug: string; title: string }> = {};

async function publish(id: string): Promise<void> {
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

async function byTitle(title: string): Promise<{ id: string; slug: string; title: string }> {
  const r = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
  return { id: r.id, slug: r.slug, title };
}

beforeAll(async () => {
  const own = await useOwnPocketBase();
  pb = own.pb;
  stop = own.stop;
  const [fe, ha, he, ce, ca, mod] = await Promise.all([
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb, { role: "moderator" }),
  ]);
  funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", region: "brussels", name: `Fonds Zorg ${unique("f")}` });
  hospital = await createOrganization(
    pb,
    [
      { userId: ha.id, role: "admin" },
      { userId: he.id, role: "editor" },
    ],
    { kind: "hospital", region: "flanders", name: `AZ Noord ${unique("h")}` },
  );
  careHome = await createOrganization(
    pb,
    [
      { userId: ce.id, role: "editor" },
      { userId: ca.id, role: "admin" },
    ],
    { kind: "care_home", region: "wallonia", name: `Résidence ${unique("r")}` },
  );
  const [funderEditor, hospitalAdmin, hospitalEditor, careHomeEditor, careHomeAdmin] = (await Promise.all(
    [fe, ha, he, ce, ca].map((u) => loadActor(u.id)),
  )) as Actor[];
  moderator = (await loadActor(mod.id))!;

  for (const [key, status, closesOn] of [
    ["one", "closed", ""],
    ["two", "open", "2026-01-31"],
    ["three", "open", "2099-12-31"],
    ["four", "closed", ""],
  ] as const) {
    const title = `Call ${key} ${unique("c")}`;
    const { slug } = await saveCall(funderEditor!, funder.id, {
      title,
      description: "Grants for AI projects in care, one round.",
      status,
      opens_on: "2025-01-01",
      closes_on: closesOn,
      programme: key === "one" ? "Care 2030" : "",
    });
    calls[key] = { id: (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id, slug, title };
  }

  const base = { amountRequested: 100000, decidedOn: "2026-02-01" };
  // Call one: a named refusal of the hospital, an award to an outside applicant, a withdrawal by an anonymous one.
  await recordDecisions(funderEditor!, calls.one.id, [
    {
      ...base,
      title: "Named refusal of the hospital",
      applicantType: "platform",
      applicant: hospital.slug,
      decision: "rejected",
      rejectionReasons: ["eligibility", "budget_or_roi"],
      reasonText: "Outside the call's scope.",
      careSettings: ["hospital"],
      aiTypes: ["predictive_model"],
    },
    {
      ...base,
      title: "Award to an outside applicant",
      applicantType: "outside",
      applicant: "Zorgnet Oost",
      decision: "awarded",
      amountAwarded: 50000,
      decidedOn: "2026-03-01",
      consentObtained: true,
    },
    { ...base, title: "Withdrawal by an anonymous applicant", applicantType: "anonymous", decision: "withdrawn", decidedOn: "2026-01-15" },
  ]);
  for (const label of ["Named refusal of the hospital", "Award to an outside applicant", "Withdrawal by an anonymous applicant"])
    posts[label] = await byTitle(label);
  await answerConsent(hospitalAdmin!, posts["Named refusal of the hospital"]!.id, "grant");
  for (const label of ["Named refusal of the hospital", "Award to an outside applicant", "Withdrawal by an anonymous applicant"])
    await publish(posts[label]!.id);

  // The applicants' own accounts of call one: the hospital's (the same application as the funder's record) and the
  // care home's (which the funder did not record).
  const account = async (actor: Actor, org: string, callId: string, title: string, anonymous: boolean, funderName = "") => {
    const { id } = await saveDraft(actor, {
      kind: "funding_application",
      organization: org,
      ...(callId ? { call: callId } : { funder_name: funderName }),
      title,
      summary: "Why our application was refused, and what we changed since.",
      body_md: "## Context\n\nWe applied for a night-time monitoring pilot in two of our wards, with the vendor.",
      language: "en",
      tags: "",
      anonymous,
      decision: "rejected",
      rejection_reasons: ["eligibility"],
      amount_requested: "100000",
      decided_on: callId ? "2026-02-01" : "2025-12-01",
      reflection_md: "We would read the eligibility rules twice.",
    });
    await submitPost(actor, id);
    await publish(id);
    posts[title] = await byTitle(title);
  };
  await account(hospitalEditor!, hospital.id, calls.one.id, "The hospital's own account", false);
  await account(careHomeEditor!, careHome.id, calls.one.id, "The care home's own account", false);

  // Call two: a refusal the hospital asked to be anonymised, and its own pseudonymous account of it.
  await recordDecisions(funderEditor!, calls.two.id, [
    {
      ...base,
      title: "Anonymised refusal of the hospital",
      applicantType: "platform",
      applicant: hospital.slug,
      decision: "rejected",
      rejectionReasons: ["data_quality"],
    },
  ]);
  posts["Anonymised refusal of the hospital"] = await byTitle("Anonymised refusal of the hospital");
  await answerConsent(hospitalAdmin!, posts["Anonymised refusal of the hospital"]!.id, "anonymise");
  await publish(posts["Anonymised refusal of the hospital"]!.id);
  await account(hospitalEditor!, hospital.id, calls.two.id, "The hospital's pseudonymous account", true);

  // Call three: one record, recorded but never published.
  await recordDecisions(funderEditor!, calls.three.id, [
    { ...base, title: "Unpublished award", applicantType: "outside", applicant: "Somebody", decision: "awarded", amountAwarded: 10 },
  ]);

  // Call four: the care home's own account is published first, the funder's named record of it after.
  await account(careHomeEditor!, careHome.id, calls.four.id, "The care home's account of call four", false);
  await recordDecisions(funderEditor!, calls.four.id, [
    {
      ...base,
      title: "Named refusal of the care home",
      applicantType: "platform",
      applicant: careHome.slug,
      decision: "rejected",
      rejectionReasons: ["eligibility"],
    },
  ]);
  posts["Named refusal of the care home"] = await byTitle("Named refusal of the care home");
  await answerConsent(careHomeAdmin!, posts["Named refusal of the care home"]!.id, "grant");
  await publish(posts["Named refusal of the care home"]!.id);

  // An account of an application to a funder that is not on Casebook: no call, the funder named by the applicant.
  await account(careHomeEditor!, careHome.id, "", "The care home's account of an outside funder", false, "Fondation Roi Baudouin");
}, 120_000);

afterAll(async () => {
  await stop();
});

const slugsOf = (list: { slug: string }[]) => list.map((p) => p.slug);
const slug = (label: string) => posts[label]!.slug;

describe("one record per application", () => {
  it("a call's page lists the funder's record instead of the applicant's own account of it, latest decision first", async () => {
    expect(slugsOf(await listCallDecisions("en", calls.one.id))).toEqual([
      slug("Award to an outside applicant"),
      // Decided the same day: the later publication first.
      slug("The care home's own account"),
      slug("Named refusal of the hospital"),
      slug("Withdrawal by an anonymous applicant"),
    ]);
  });

  it("a pseudonymous account is dropped next to the funder's record of the same application, even when nothing links them", async () => {
    expect(slugsOf(await listCallDecisions("en", calls.two.id))).toEqual([slug("Anonymised refusal of the hospital")]);
    expect(await listCallDecisions("en", calls.three.id)).toEqual([]);
  });

  it("an account published before the funder's named record of it is linked to it when the record is published, both ways", async () => {
    expect(slugsOf(await listCallDecisions("en", calls.four.id))).toEqual([slug("Named refusal of the care home")]);
    const record = await getPublishedPost("en", slug("Named refusal of the care home"));
    const account = await getPublishedPost("en", slug("The care home's account of call four"));
    expect(record?.funding?.counterpartSlug).toBe(slug("The care home's account of call four"));
    expect(account?.funding?.counterpartSlug).toBe(slug("Named refusal of the care home"));
    // The named refusal of the hospital was linked from the other side (the account came after it).
    expect((await getPublishedPost("en", slug("Named refusal of the hospital")))?.funding?.counterpartSlug).toBe(slug("The hospital's own account"));
    // Nothing links a record that hides its applicant.
    expect((await getPublishedPost("en", slug("Anonymised refusal of the hospital")))?.funding?.counterpartSlug).toBeNull();
  });

  it("the insights and the open data count each application once", async () => {
    const { decisions } = await loadInsightData();
    const dropped = [
      posts["The hospital's own account"]!.id,
      posts["The hospital's pseudonymous account"]!.id,
      posts["The care home's account of call four"]!.id,
    ];
    expect(decisions.map((d) => d.id).sort()).toEqual(
      Object.entries(posts)
        .filter(([, p]) => !dropped.includes(p.id))
        .map(([, p]) => p.id)
        .sort(),
    );
    expect((await loadPublicDecisions()).map((d) => d.slug)).toEqual([
      slug("Award to an outside applicant"),
      slug("Named refusal of the care home"),
      slug("Anonymised refusal of the hospital"),
      slug("The care home's own account"),
      slug("Named refusal of the hospital"),
      slug("Withdrawal by an anonymous applicant"),
      slug("The care home's account of an outside funder"),
    ]);
  });
});

describe("what each list says of a record", () => {
  it("the insights: funder, call, decision, year, reasons and settings", async () => {
    const { decisions, cases } = await loadInsightData();
    expect(decisions.find((d) => d.id === posts["Named refusal of the hospital"]!.id)).toEqual({
      id: posts["Named refusal of the hospital"]!.id,
      funderSlug: funder.slug,
      funderName: funder.name,
      callSlug: calls.one.slug,
      callTitle: calls.one.title,
      decision: "rejected",
      year: 2026,
      rejectionReasons: ["eligibility", "budget_or_roi"],
      careSettings: ["hospital"],
      aiTypes: ["predictive_model"],
    });
    expect(decisions.find((d) => d.id === posts["The care home's own account"]!.id)).toMatchObject({
      funderSlug: funder.slug,
      funderName: funder.name,
      callSlug: calls.one.slug,
      decision: "rejected",
    });
    expect(cases).toEqual([]);
    // A funder that is not on Casebook: named as the applicant wrote it, with an address made from that name.
    expect(decisions.find((d) => d.id === posts["The care home's account of an outside funder"]!.id)).toMatchObject({
      funderSlug: "fondation-roi-baudouin",
      funderName: "Fondation Roi Baudouin",
      callSlug: null,
      callTitle: null,
      year: 2025,
    });
  });

  it("the open data: every field of a named refusal, and no name where the applicant is anonymised", async () => {
    const all = await loadPublicDecisions();
    const named = all.find((d) => d.slug === slug("Named refusal of the hospital"))!;
    expect(named).toMatchObject({
      id: posts["Named refusal of the hospital"]!.id,
      url: `${getConfig().publicUrl}/posts/${named.slug}`,
      title: "Named refusal of the hospital",
      call: { slug: calls.one.slug, title: calls.one.title, programme: "Care 2030" },
      funder: { slug: funder.slug, name: funder.name },
      amountRequested: 100000,
      amountAwarded: null,
      currency: "EUR",
      decision: "rejected",
      decidedOn: expect.stringMatching(/^2026-02-01/),
      rejectionReasons: ["eligibility", "budget_or_roi"],
      reasonText: "Outside the call's scope.",
      careSettings: ["hospital"],
      aiTypes: ["predictive_model"],
      publishedAt: expect.stringMatching(/^20\d\d-/),
    });
    expect(JSON.stringify(named.applicant)).toContain(hospital.name);
    expect(all.find((d) => d.slug === slug("Award to an outside applicant"))).toMatchObject({ amountAwarded: 50000, decision: "awarded" });
    const anonymised = all.find((d) => d.slug === slug("Anonymised refusal of the hospital"));
    expect(anonymised!.call).toEqual({ slug: calls.two.slug, title: calls.two.title, programme: null });
    expect(JSON.stringify(anonymised)).not.toContain(hospital.name);
    expect(JSON.stringify(all)).not.toContain("Unpublished award");
    expect(all.find((d) => d.slug === slug("The care home's account of an outside funder"))).toMatchObject({
      call: null,
      funder: { slug: "fondation-roi-baudouin", name: "Fondation Roi Baudouin" },
      decidedOn: expect.stringMatching(/^2025-12-01/),
    });
  });

  it("the home page's groups: one per call, the latest publication first, counted per decision, capped at the limit", async () => {
    const groups = await listDecisionGroups();
    expect(groups).toEqual([
      {
        call: { slug: calls.four.slug, title: calls.four.title, status: "closed" },
        funder: funder.name,
        latest: expect.stringMatching(/^20\d\d-/),
        total: 1,
        byDecision: { rejected: 1 },
      },
      {
        call: { slug: calls.two.slug, title: calls.two.title, status: "closed" },
        funder: funder.name,
        latest: expect.stringMatching(/^20\d\d-/),
        total: 1,
        byDecision: { rejected: 1 },
      },
      {
        call: { slug: calls.one.slug, title: calls.one.title, status: "closed" },
        funder: funder.name,
        latest: expect.stringMatching(/^20\d\d-/),
        total: 3,
        byDecision: { rejected: 1, awarded: 1, withdrawn: 1 },
      },
    ]);
    expect(groups[2]!.latest < groups[1]!.latest).toBe(true);
    expect(groups[1]!.latest < groups[0]!.latest).toBe(true);
    expect(await listDecisionGroups(2)).toEqual(groups.slice(0, 2));
  });
});

describe("what a moderator is shown before publishing a record that hides someone", () => {
  const review = (label: string) => reviewAnonymity(moderator, "en", posts[label]!.id);

  it("the other records of the same application that readers could match with it, from either side", async () => {
    const anonymised = await review("Anonymised refusal of the hospital");
    expect(anonymised.related).toEqual([
      {
        id: posts["The hospital's pseudonymous account"]!.id,
        slug: slug("The hospital's pseudonymous account"),
        title: "The hospital's pseudonymous account",
        status: "published",
        publishedBy: "applicant",
        hides: true,
      },
    ]);
    expect((await review("The hospital's pseudonymous account")).related).toEqual([
      expect.objectContaining({ id: posts["Anonymised refusal of the hospital"]!.id, publishedBy: "funder", hides: true }),
    ]);
    // Named on both sides: nothing to warn about.
    expect((await review("Named refusal of the hospital")).related).toEqual([]);
    expect((await review("The hospital's own account")).related).toEqual([]);
    // No record of the other side, or no applicant organisation to match by.
    expect((await review("The care home's own account")).related).toEqual([]);
    expect((await review("Withdrawal by an anonymous applicant")).related).toEqual([]);
  });

  it("the descriptor it would be published under, only when it hides someone", async () => {
    const { descriptor } = await review("Anonymised refusal of the hospital");
    expect(descriptor).toEqual({ text: expect.any(String), shared: expect.any(Number), k: getConfig().anonymityK });
    expect(descriptor!.text).not.toContain(hospital.name);
    expect((await review("Named refusal of the hospital")).descriptor).toBeNull();
    expect(await reviewAnonymity(moderator, "en", "nosuchpost12345")).toEqual({ descriptor: null, related: [] });
    await expect(reviewAnonymity(null, "en", posts["Anonymised refusal of the hospital"]!.id)).rejects.toBeInstanceOf(ForbiddenError);
  });
});
