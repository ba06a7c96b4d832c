// The funding domain's pure rules (issue 10 §7, survivors of the mutation run over funding.ts): what the call and
// decision forms accept and the message each refusal gives, when a call reads as closed, when a refusal still waits for
// the applicant's consent, and the per-call figures readers see. The database halves are in tests/integration/funding*.
import { afterEach, describe, expect, it } from "vitest";
import type { z } from "zod";
import { setClock } from "../../src/lib/server/clock.ts";
import {
  awaitsConsent,
  brusselsToday,
  callSchema,
  canManageFunding,
  decisionSchema,
  decisionStats,
  effectiveCallStatus,
} from "../../src/lib/server/funding.ts";
import type { PublicPost } from "../../src/lib/server/posts.ts";
import type { Actor } from "../../src/lib/server/users.ts";
import { say } from "../../src/i18n/domain.ts";

afterEach(() => setClock(null));

const CALL = { title: "Pilot grants 2027", description: "Grants for AI pilots in home care.", status: "open" };

/** The messages a form gets back, by field ({} when it is accepted). */
function errorsOf(schema: z.ZodType, input: Record<string, unknown>): Record<string, string[]> {
  const result = schema.safeParse(input);
  if (result.success) return {};
  const out: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0]);
    out[field] = [...(out[field] ?? []), issue.message];
  }
  return out;
}

const callErrors = (input: Record<string, unknown>) => errorsOf(callSchema, { ...CALL, ...input });

describe("the call form", () => {
  it("reads a budget written the Belgian way and says why it refuses one", () => {
    expect(callSchema.parse({ ...CALL, budget: "1 250 000" }).budget).toBe(1_250_000);
    expect(callSchema.parse({ ...CALL, budget: "1.250.000,50" }).budget).toBe(1_250_000.5);
    expect(callSchema.parse({ ...CALL, budget: 0 }).budget).toBe(0);
    expect(callSchema.parse({ ...CALL, budget: "" }).budget).toBeNull();
    expect(callSchema.parse({ ...CALL }).budget).toBeNull();
    expect(callErrors({ budget: "about a million" }).budget).toEqual([say("domain.funding.budget_digits")]);
    expect(callErrors({ budget: "-5" }).budget).toEqual([say("domain.funding.budget_negative")]);
  });

  it("upper-cases the currency, takes euros when none is given, and refuses anything but three letters", () => {
    expect(callSchema.parse({ ...CALL, currency: "chf" }).currency).toBe("CHF");
    expect(callSchema.parse({ ...CALL, currency: "" }).currency).toBe("EUR");
    expect(callSchema.parse({ ...CALL }).currency).toBe("EUR");
    expect(callErrors({ currency: "EU" }).currency).toEqual([say("domain.funding.currency")]);
    expect(callErrors({ currency: "EURO" }).currency).toEqual([say("domain.funding.currency")]);
  });

  it("needs an eight-character title and a twenty-character description, counted without surrounding spaces", () => {
    expect(callSchema.parse({ ...CALL, title: "  12345678  " }).title).toBe("12345678");
    expect(callErrors({ title: "  1234567  " }).title).toEqual([say("domain.post.title")]);
    expect(callErrors({ title: undefined }).title).toEqual([say("domain.post.title")]);
    expect(callSchema.parse({ ...CALL, description: ` ${"d".repeat(20)} ` }).description).toBe("d".repeat(20));
    expect(callErrors({ description: "d".repeat(19) }).description).toEqual([say("domain.funding.description_min")]);
    expect(callErrors({ description: null }).description).toEqual([say("domain.funding.description_min")]);
  });

  it("takes dates as YYYY-MM-DD, empty as none, and refuses a closing date before the opening one", () => {
    const ok = callSchema.parse({ ...CALL, opens_on: "2027-01-10", closes_on: "2027-01-10" });
    expect([ok.opens_on, ok.closes_on]).toEqual(["2027-01-10", "2027-01-10"]);
    expect(callSchema.parse({ ...CALL, opens_on: "", closes_on: null }).opens_on).toBeNull();
    expect(callErrors({ opens_on: "10/01/2027" }).opens_on).toEqual([say("domain.date.format")]);
    expect(callErrors({ closes_on: "2027-1-10" }).closes_on).toEqual([say("domain.date.format")]);
    expect(callErrors({ opens_on: "2027-01-10", closes_on: "2027-01-09" })).toEqual({ closes_on: [say("domain.funding.closes_before_opens")] });
    // One date alone is never out of order.
    expect(callErrors({ closes_on: "2020-01-01" })).toEqual({});
    expect(callErrors({ opens_on: "2099-01-01" })).toEqual({});
  });

  it("knows three statuses and says so for any other", () => {
    for (const status of ["draft", "open", "closed"]) expect(callSchema.parse({ ...CALL, status }).status).toBe(status);
    expect(callErrors({ status: "published" }).status).toEqual([say("domain.funding.status")]);
  });
});

const DECISION = { title: "Fall detection pilot", applicantType: "platform", applicant: "AZ Example", amountRequested: 90_000, decidedOn: "2026-11-02" };

const decisionErrors = (input: Record<string, unknown>) => errorsOf(decisionSchema, { ...DECISION, ...input });

describe("a decision row", () => {
  it("names its applicant unless it is anonymous, with the message for the kind of applicant", () => {
    expect(decisionErrors({ applicant: " ", decision: "withdrawn" })).toEqual({ applicant: [say("domain.funding.applicant_org")] });
    expect(decisionErrors({ applicantType: "outside", applicant: "", decision: "withdrawn" })).toEqual({
      applicant: [say("domain.funding.applicant_name")],
    });
    expect(decisionErrors({ applicantType: "anonymous", applicant: "", decision: "withdrawn" })).toEqual({});
  });

  it("gives reasons for a refusal and only for a refusal", () => {
    expect(decisionErrors({ decision: "rejected" })).toEqual({ rejectionReasons: [say("domain.funding.refusal_reasons")] });
    expect(decisionErrors({ decision: "rejected", rejectionReasons: ["budget_or_roi"] })).toEqual({});
    expect(decisionErrors({ decision: "withdrawn", rejectionReasons: ["budget_or_roi"] })).toEqual({
      rejectionReasons: [say("domain.funding.reasons_refusals_only")],
    });
  });

  it("gives an award an amount above zero", () => {
    expect(decisionErrors({ decision: "awarded" })).toEqual({ amountAwarded: [say("domain.post.amount_awarded")] });
    expect(decisionErrors({ decision: "awarded", amountAwarded: 0 })).toEqual({ amountAwarded: [say("domain.post.amount_awarded")] });
    expect(decisionErrors({ decision: "awarded", amountAwarded: 1 })).toEqual({});
    expect(decisionErrors({ decision: "awarded", amountAwarded: -1 }).amountAwarded).toContain(say("domain.amount.negative"));
    expect(decisionErrors({ decision: "withdrawn", amountRequested: -1 })).toEqual({ amountRequested: [say("domain.amount.negative")] });
  });

  it("fills what a funder may leave out", () => {
    const row = decisionSchema.parse({ ...DECISION, decision: "withdrawn" });
    expect(row).toMatchObject({
      amountAwarded: null,
      currency: "EUR",
      language: null,
      rejectionReasons: [],
      reasonText: "",
      feedback: "",
      consentObtained: false,
      careSettings: [],
      aiTypes: [],
      applicantRegion: null,
      applicantKind: null,
    });
  });
});

describe("a call's status as readers see it", () => {
  it("an open call closes after its closing day, not on it; other statuses never change", () => {
    const today = "2026-12-05";
    expect(effectiveCallStatus("open", "2026-12-04", today)).toBe("closed");
    expect(effectiveCallStatus("open", "2026-12-04 00:00:00.000Z", today)).toBe("closed");
    expect(effectiveCallStatus("open", "2026-12-05 23:00:00.000Z", today)).toBe("open");
    expect(effectiveCallStatus("open", "2026-12-06", today)).toBe("open");
    expect(effectiveCallStatus("open", null, today)).toBe("open");
    expect(effectiveCallStatus("open", "", today)).toBe("open");
    expect(effectiveCallStatus("draft", "2020-01-01", today)).toBe("draft");
    expect(effectiveCallStatus("closed", "2099-01-01", today)).toBe("closed");
  });

  it("the day is Brussels' day: after 23:00 UTC in winter it is already tomorrow", () => {
    setClock(() => Date.parse("2026-12-05T22:59:00Z"));
    expect(brusselsToday()).toBe("2026-12-05");
    setClock(() => Date.parse("2026-12-05T23:00:00Z"));
    expect(brusselsToday()).toBe("2026-12-06");
    // Summer time: two hours ahead.
    setClock(() => Date.parse("2026-07-01T21:59:00Z"));
    expect(brusselsToday()).toBe("2026-07-01");
    setClock(() => Date.parse("2026-07-01T22:00:00Z"));
    expect(brusselsToday()).toBe("2026-07-02");
    // The clock moving within the minute it last asked about keeps that minute's day.
    setClock(() => Date.parse("2026-07-01T22:00:59Z"));
    expect(brusselsToday()).toBe("2026-07-02");
    expect(effectiveCallStatus("open", "2026-07-01")).toBe("closed");
  });
});

describe("a refusal waiting for the applicant's consent", () => {
  const at = Date.parse("2026-12-05T12:00:00Z");
  const asked = { kind: "funding_application", consent: "requested", consent_deadline: "2026-12-05 12:00:01.000Z" };
  it.each([
    ["asked, deadline ahead", asked, true],
    ["asked, deadline reached", { ...asked, consent_deadline: "2026-12-05 12:00:00.000Z" }, false],
    ["asked, deadline passed", { ...asked, consent_deadline: "2026-11-01 00:00:00.000Z" }, false],
    ["asked before deadlines existed (empty)", { ...asked, consent_deadline: "" }, true],
    ["asked before deadlines existed (none)", { kind: "funding_application", consent: "requested" }, true],
    ["asked, unreadable deadline", { ...asked, consent_deadline: "soon" }, true],
    ["granted", { ...asked, consent: "granted" }, false],
    ["refused", { ...asked, consent: "refused" }, false],
    ["not a funding record", { ...asked, kind: "case" }, false],
  ])("%s → %s", (_name, post, waits) => {
    expect(awaitsConsent(post, at)).toBe(waits);
  });

  it("reads the domain clock when no time is given", () => {
    setClock(() => Date.parse("2026-12-05T12:00:00Z"));
    expect(awaitsConsent(asked)).toBe(true);
    setClock(() => Date.parse("2026-12-05T12:00:02Z"));
    expect(awaitsConsent(asked)).toBe(false);
  });
});

/** A public decision with only the fields the figures read. */
function decided(
  decision: string | null,
  funding: { amountRequested?: number | null; amountAwarded?: number | null; rejectionReasons?: string[] } = {},
): PublicPost {
  return { funding: decision === null ? null : { decision, rejectionReasons: [], ...funding } } as unknown as PublicPost;
}

describe("a call's figures", () => {
  it("count decisions, sum what was asked and what was awarded, and rank refusal reasons", () => {
    const stats = decisionStats([
      decided("awarded", { amountRequested: 100_000, amountAwarded: 80_000 }),
      decided("rejected", { amountRequested: 50_000, amountAwarded: 999, rejectionReasons: ["budget", "budget", "evidence"] }),
      decided("rejected", { amountRequested: 25_000, rejectionReasons: ["evidence"] }),
      decided("rejected", { amountRequested: null, rejectionReasons: ["alignment"] }),
      decided("withdrawn", { amountRequested: 10_000, amountAwarded: 5_000 }),
      decided("awarded", { amountRequested: 1_000, amountAwarded: null }),
    ]);
    expect(stats).toEqual({
      total: 6,
      byDecision: { awarded: 2, rejected: 3, withdrawn: 1 },
      // A reason given twice in one decision counts once; ties in name order.
      reasons: [
        { reason: "evidence", count: 2 },
        { reason: "alignment", count: 1 },
        { reason: "budget", count: 1 },
      ],
      requested: 186_000,
      awarded: 80_000,
    });
  });

  it("leave out posts without a decision from every count but the total", () => {
    expect(decisionStats([decided(null), decided(""), decided("awarded", { amountRequested: 5, amountAwarded: 5 })])).toEqual({
      total: 3,
      byDecision: { awarded: 1 },
      reasons: [],
      requested: 5,
      awarded: 5,
    });
    expect(decisionStats([])).toEqual({ total: 0, byDecision: {}, reasons: [], requested: 0, awarded: 0 });
  });
});

describe("who records a funder's decisions", () => {
  const FUNDER = { id: "funder000000001", verified: true, kind: "funder" };
  function member(role: "member" | "editor" | "admin" | "dpo", verified = true): Actor {
    return {
      id: `user-${role}`,
      name: role,
      email: `${role}@example.test`,
      role: "member",
      locale: "en",
      verified,
      memberships: [
        {
          organizationId: FUNDER.id,
          organizationSlug: "funder",
          organizationName: "Funder",
          organizationVerified: true,
          organizationKind: "funder",
          role,
        },
      ],
    };
  }
  it("its editors and admins, when it is a verified funder and their account is verified", () => {
    expect(canManageFunding(member("editor"), FUNDER)).toBe(true);
    expect(canManageFunding(member("admin"), FUNDER)).toBe(true);
    expect(canManageFunding(member("member"), FUNDER)).toBe(false);
    expect(canManageFunding(member("dpo"), FUNDER)).toBe(false);
    expect(canManageFunding(member("editor", false), FUNDER)).toBe(false);
    expect(canManageFunding(member("editor"), { ...FUNDER, verified: false })).toBe(false);
    expect(canManageFunding(member("editor"), { ...FUNDER, kind: "hospital" })).toBe(false);
    expect(canManageFunding(member("editor"), { ...FUNDER, id: "other0000000001" })).toBe(false);
    expect(canManageFunding(null, FUNDER)).toBe(false);
  });
});
