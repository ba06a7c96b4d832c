// Funding decisions on a real PocketBase: consent gates publication, anonymised
// applicants never appear by name publicly, records of both sides are linked.
import { chooseDescriptor, loadCrowd, renderDescriptor } from "../../src/lib/server/anonymity.ts";
import { getConfig } from "../../src/lib/server/config.ts";
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { answerConsent, listConsentRequests, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { getPublishedPost, listPublishedPosts } from "../../src/lib/server/posts.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

/** The descriptor the crowd of verified organisations allows today (issue 9 §2: never a group smaller than K). */
async function crowdDescriptor(subject: { kind: string; region: string; country?: string | null }): Promise<string> {
  return renderDescriptor("en", chooseDescriptor({ country: null, ...subject }, await loadCrowd(), getConfig().anonymityK).code);
}

let pb: PocketBase;
let funderEditor: Actor;
let applicantAdmin: Actor;
let applicantEditor: Actor;
let moderator: Actor;
let funderId: string;
let applicant: { id: string; slug: string; name: string };

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [fe, aa, ae, mod] = await Promise.all([createUser(pb), createUser(pb), createUser(pb), createUser(pb, { role: "moderator" })]);
  const funder = await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", name: `Fund ${unique("f")}` });
  funderId = funder.id;
  applicant = await createOrganization(
    pb,
    [
      { userId: aa.id, role: "admin" },
      { userId: ae.id, role: "editor" },
    ],
    { kind: "care_home", region: "brussels", name: `Résidence ${unique("r")}` },
  );
  [funderEditor, applicantAdmin, applicantEditor, moderator] = (await Promise.all([fe, aa, ae, mod].map((u) => loadActor(u.id)))) as [
    Actor,
    Actor,
    Actor,
    Actor,
  ];
});

async function newCall(): Promise<{ id: string; slug: string }> {
  const { slug } = await saveCall(funderEditor, funderId, {
    title: `AI in care homes ${unique("c")}`,
    description: "A call for AI projects in residential care, 2025 round.",
    status: "closed",
    currency: "EUR",
    budget: "500000",
  });
  const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
  return { id: call.id, slug };
}

/** An applicant's own account of an application still awaiting its decision, as the form sends it. */
const pendingApplication = (overrides: Record<string, unknown>) => ({
  kind: "funding_application",
  organization: applicant.id,
  title: `Fall detection application ${unique("a")}`,
  summary: "Our application for a fall-detection pilot, and why we filed it.",
  body_md: "## Context\n\nWe applied for a fall-detection pilot.",
  language: "en",
  tags: "",
  anonymous: false,
  decision: "pending",
  amount_requested: "80000",
  ...overrides,
});

const decision = (overrides: Record<string, unknown>) => ({
  title: `Night-time acoustic monitoring ${unique("d")}`,
  applicantType: "platform",
  applicant: applicant.slug,
  amountRequested: 120000,
  decision: "rejected",
  decidedOn: "2025-06-30",
  rejectionReasons: ["data_governance", "evaluation_plan"],
  reasonText: "The data protection impact assessment was missing.",
  ...overrides,
});

async function publishById(id: string) {
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

async function publicEverything(): Promise<string> {
  const list = await listPublishedPosts("en", { perPage: 500 });
  const pages = await Promise.all(list.items.map((p) => getPublishedPost("en", p.slug)));
  return JSON.stringify([list, pages]);
}

describe("funding decisions", () => {
  it("only funder editors record decisions", async () => {
    const call = await newCall();
    await expect(recordDecisions(applicantEditor, call.id, [decision({})])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a refusal naming a platform applicant waits for consent; granting names it, publication follows", async () => {
    const call = await newCall();
    const title = `Consent granted ${unique("g")}`;
    expect(await recordDecisions(funderEditor, call.id, [decision({ title })])).toEqual({ created: 1, consentRequests: 1 });
    const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    expect(record.consent).toBe("requested");
    // Not even claimable before the applicant answers (issue 11 §10).
    await expect(claimPost(moderator, record.id)).rejects.toBeInstanceOf(ValidationError);
    expect((await pb.collection("posts").getOne(record.id)).status).toBe("submitted");
    await expect(answerConsent(applicantEditor, record.id, "grant")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listConsentRequests(applicantAdmin)).map((r) => r.id)).toContain(record.id);
    await answerConsent(applicantAdmin, record.id, "grant");
    await claimPost(moderator, record.id);
    await approvePost(moderator, record.id);
    const post = await getPublishedPost("en", record.slug);
    expect(post?.funding?.applicant.name).toBe(applicant.name);
    expect(post?.funding?.rejectionReasons).toEqual(["data_governance", "evaluation_plan"]);
  });

  it("an applicant that asks anonymisation is never named on any public surface", async () => {
    // An applicant of its own: others in this file consent to be named.
    const admin = await createUser(pb);
    const discreet = await createOrganization(pb, [{ userId: admin.id, role: "admin" }], {
      kind: "care_home",
      region: "brussels",
      name: `Discreet ${unique("d")}`,
    });
    const discreetAdmin = (await loadActor(admin.id))!;
    const call = await newCall();
    const title = `Anonymised refusal ${unique("a")}`;
    await recordDecisions(funderEditor, call.id, [decision({ title, applicant: discreet.slug })]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    await answerConsent(discreetAdmin, record.id, "anonymise");
    await publishById(record.id);
    const post = await getPublishedPost("en", record.slug);
    expect(post?.funding?.applicant).toEqual({ name: null, slug: null, descriptor: await crowdDescriptor({ kind: "care_home", region: "brussels" }) });
    const everything = await publicEverything();
    expect(everything).toContain(title);
    expect(everything).not.toContain(discreet.name);
    expect(everything).not.toContain(discreet.slug);
  });

  it("an outside applicant is anonymised unless the funder obtained consent", async () => {
    const call = await newCall();
    const hidden = `Outside, no consent ${unique("o")}`;
    const named = `Outside, consent ${unique("o")}`;
    const secretName = `Secret Startup ${unique("s")}`;
    await recordDecisions(funderEditor, call.id, [
      decision({ title: hidden, applicantType: "outside", applicant: secretName, applicantKind: "vendor", applicantRegion: "flanders" }),
      decision({ title: named, applicantType: "outside", applicant: "Open Lab BV", consentObtained: true }),
    ]);
    for (const t of [hidden, named]) await publishById((await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t }))).id);
    const everything = await publicEverything();
    expect(everything).not.toContain(secretName);
    expect(everything).toContain("Open Lab BV");
    expect(everything).toContain(await crowdDescriptor({ kind: "vendor", region: "flanders" }));
  });

  it("imports all or nothing: one bad row writes nothing", async () => {
    const call = await newCall();
    const good = `Good row ${unique("g")}`;
    await expect(recordDecisions(funderEditor, call.id, [decision({ title: good }), decision({ amountRequested: -5 })])).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      recordDecisions(funderEditor, call.id, [decision({ title: `Other ${unique("x")}` }), decision({ applicant: "no-such-organisation" })]),
    ).rejects.toBeInstanceOf(ValidationError);
    const written = await pb.collection("posts").getList(1, 5, { filter: pb.filter("call = {:c}", { c: call.id }) });
    expect(written.totalItems).toBe(0);
  });

  it("links the funder's record and the applicant's own account of the same application", async () => {
    const call = await newCall();
    const title = `Funder side ${unique("fs")}`;
    await recordDecisions(funderEditor, call.id, [decision({ title })]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    await answerConsent(applicantAdmin, record.id, "grant");
    await publishById(record.id);
    const ownInput = {
      kind: "funding_application",
      organization: applicant.id,
      call: call.id,
      title: `Our refused application ${unique("own")}`,
      summary: "Why our acoustic monitoring application was refused, and what we changed.",
      body_md: "## Context\n\nWe applied for night-time acoustic monitoring in our care home.",
      language: "en",
      tags: "",
      anonymous: false,
      decision: "rejected",
      rejection_reasons: ["data_governance"],
      amount_requested: "120000",
      reflection_md: "We would involve our DPO from day one.",
    };
    const own = await saveDraft(applicantEditor, ownInput);
    await submitPost(applicantEditor, own.id);
    await publishById(own.id);
    const mine = await getPublishedPost("en", own.slug);
    expect(mine?.funding?.counterpartSlug).toBe(record.slug);
    expect((await getPublishedPost("en", record.slug))?.funding?.counterpartSlug).toBe(own.slug);

    // A second record of the same call and applicant, published later, finds both accounts taken; an approved
    // edit of the applicant's account keeps the link it has rather than moving to the free record.
    const secondTitle = `Funder side, second round ${unique("fs2")}`;
    await recordDecisions(funderEditor, call.id, [decision({ title: secondTitle })]);
    const second = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: secondTitle }));
    await answerConsent(applicantAdmin, second.id, "grant");
    await publishById(second.id);
    await saveDraft(applicantEditor, { ...ownInput, summary: `${ownInput.summary} Updated after the second round.` }, own.id);
    await submitPost(applicantEditor, own.id);
    await publishById(own.id);
    expect((await getPublishedPost("en", own.slug))?.funding?.counterpartSlug).toBe(record.slug);
    expect((await getPublishedPost("en", record.slug))?.funding?.counterpartSlug).toBe(own.slug);
    expect((await getPublishedPost("en", second.slug))?.funding?.counterpartSlug ?? null).toBeNull();
  });

  it("a call that does not exist, or one the funder has not published, is refused on the call field and nothing is written", async () => {
    const { slug } = await saveCall(funderEditor, funderId, {
      title: `Unpublished call ${unique("uc")}`,
      description: "A call its funder is still writing.",
      status: "draft",
      currency: "EUR",
      budget: "100000",
    });
    const draftCall = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    const title = `Refused call ${unique("rc")}`;
    for (const call of [draftCall.id, "abcdefghij12345"]) {
      const refused = await saveDraft(applicantEditor, pendingApplication({ call, title })).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ValidationError);
      expect([(refused as ValidationError).field, (refused as Error).message]).toEqual(["call", "Choose a call from the list."]);
    }
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);
  });

  it("an applicant who takes the call off a draft application unlinks the call and its funder, and keeps the funder name typed", async () => {
    const call = await newCall();
    const input = pendingApplication({ title: `Wrong call ${unique("wc")}` });
    const draft = await saveDraft(applicantEditor, { ...input, call: call.id });
    const linked = await pb.collection("posts").getOne(draft.id);
    const funderName = (await pb.collection("organizations").getOne(funderId)).name;
    expect([linked.call, linked.funder, linked.funder_name]).toEqual([call.id, funderId, funderName]);
    await saveDraft(applicantEditor, { ...input, call: "", funder_name: "Regional care fund" }, draft.id);
    const unlinked = await pb.collection("posts").getOne(draft.id);
    expect([unlinked.call, unlinked.funder, unlinked.funder_name]).toEqual(["", "", "Regional care fund"]);
  });

  it("a case study sent with a call links to neither the call nor its funder (only an application answers a call)", async () => {
    const call = await newCall();
    const story = await saveDraft(applicantEditor, pendingApplication({ kind: "case_study", title: `Not an application ${unique("na")}`, call: call.id }));
    const stored = await pb.collection("posts").getOne(story.id);
    expect([stored.call, stored.funder, stored.funder_name]).toEqual(["", "", ""]);
  });
});
