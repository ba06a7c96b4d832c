import { describe, expect, it } from "vitest";
import { AI_TYPES, CARE_SETTINGS, OUTCOMES, REJECTION_REASONS } from "../../src/lib/codelists.ts";
import {
  availableFunders,
  availableYears,
  filterDecisions,
  reasonsBy,
  rejectionReasonFrequency,
  successRates,
  topicsDiscussed,
} from "../../src/lib/server/insights.ts";
import type { InsightCase, InsightDecision, InsightThread } from "../../src/lib/server/insights.ts";

// Every statistic is compared with a direct count written out below with plain loops, over
// a seeded random data set, so that a bug in the module cannot hide in a shared helper.

// mulberry32: a tiny deterministic PRNG, so a failure reproduces with the same data.
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(20240611);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
// Up to `max` draws with replacement, so duplicates occur and must be counted once.
const some = <T>(list: readonly T[], max: number): T[] => Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(list));

const FUNDERS = [
  { slug: "fwo", name: "FWO" },
  { slug: "vlaio", name: "VLAIO" },
  { slug: "innoviris", name: "Innoviris" },
  { slug: "koning-boudewijnstichting", name: "Koning Boudewijnstichting" },
  { slug: "spw-recherche", name: "SPW Recherche" },
  { slug: "riziv", name: "RIZIV – INAMI" },
];
const CALLS = [
  null,
  { slug: "ai-in-care-2022", title: "AI in care 2022" },
  { slug: "ai-in-care-2023", title: "AI in care 2023" },
  { slug: "digital-hospital", title: "Digital hospital" },
  { slug: "home-care-innovation", title: "Home care innovation" },
  { slug: "mental-health-pilot", title: "Mental health pilot" },
];
const YEARS = [2019, 2020, 2021, 2022, 2023, 2024, 2025, null];
// Weighted towards rejections, which are what most statistics are about.
const DECISION_DRAWS = ["rejected", "rejected", "rejected", "awarded", "awarded", "withdrawn", "pending"] as const;
// An unknown code now and then: the functions must count it rather than drop it silently.
const SETTINGS = [...CARE_SETTINGS, "veterinary"];
const TYPES = [...AI_TYPES, "quantum"];

const DECISIONS: InsightDecision[] = Array.from({ length: 500 }, (_, index) => {
  const funder = pick(FUNDERS);
  const call = pick(CALLS);
  return {
    id: `d${index}`,
    funderSlug: funder.slug,
    funderName: funder.name,
    callSlug: call?.slug ?? null,
    callTitle: call?.title ?? null,
    decision: pick(DECISION_DRAWS),
    year: pick(YEARS),
    // Reasons on every kind of decision: those on non-rejected ones must be ignored.
    rejectionReasons: some(REJECTION_REASONS, 4),
    careSettings: some(SETTINGS, 3),
    aiTypes: some(TYPES, 3),
  };
});

const CASES: InsightCase[] = Array.from({ length: 300 }, (_, index) => ({
  id: `c${index}`,
  outcome: pick([...OUTCOMES, ""]),
  careSettings: some(SETTINGS, 3),
  aiTypes: some(TYPES, 3),
  year: pick(YEARS),
}));

function decision(overrides: Partial<InsightDecision>): InsightDecision {
  return {
    id: "x",
    funderSlug: "fwo",
    funderName: "FWO",
    callSlug: null,
    callTitle: null,
    decision: "rejected",
    year: 2024,
    rejectionReasons: [],
    careSettings: [],
    aiTypes: [],
    ...overrides,
  };
}

describe("the generated data set", () => {
  it("exercises the cases the statistics must handle", () => {
    let rejectedWithSeveral = 0;
    let rejectedWithDuplicate = 0;
    let rejectedWithNone = 0;
    let otherWithReasons = 0;
    for (const d of DECISIONS) {
      const distinct = new Set(d.rejectionReasons).size;
      if (d.decision === "rejected" && distinct > 1) rejectedWithSeveral++;
      if (d.decision === "rejected" && distinct < d.rejectionReasons.length) rejectedWithDuplicate++;
      if (d.decision === "rejected" && d.rejectionReasons.length === 0) rejectedWithNone++;
      if (d.decision !== "rejected" && d.rejectionReasons.length > 0) otherWithReasons++;
    }
    expect(rejectedWithSeveral).toBeGreaterThan(20);
    expect(rejectedWithDuplicate).toBeGreaterThan(5);
    expect(rejectedWithNone).toBeGreaterThan(5);
    expect(otherWithReasons).toBeGreaterThan(20);
  });
});

describe("filterDecisions", () => {
  it("keeps exactly the decisions of the year and/or funder", () => {
    for (const year of [undefined, ...YEARS.filter((y) => y !== null)]) {
      for (const funder of [undefined, ...FUNDERS.map((f) => f.slug), "unknown"]) {
        const expected: string[] = [];
        for (const d of DECISIONS) {
          if (year !== undefined && d.year !== year) continue;
          if (funder !== undefined && d.funderSlug !== funder) continue;
          expected.push(d.id);
        }
        const filter: { year?: number; funder?: string } = {};
        if (year !== undefined) filter.year = year;
        if (funder !== undefined) filter.funder = funder;
        expect(filterDecisions(DECISIONS, filter).map((d) => d.id)).toEqual(expected);
      }
    }
  });

  it("returns everything without a filter, and nothing from nothing", () => {
    expect(filterDecisions(DECISIONS, {})).toHaveLength(500);
    expect(filterDecisions(DECISIONS)).toHaveLength(500);
    expect(filterDecisions([], { year: 2024, funder: "fwo" })).toEqual([]);
  });
});

describe("rejectionReasonFrequency", () => {
  // The subsets the insights page shows: everything, and each year and funder filter.
  const subsets: [string, InsightDecision[]][] = [["all", DECISIONS]];
  for (const year of [2019, 2022, 2025]) subsets.push([`year ${year}`, DECISIONS.filter((d) => d.year === year)]);
  for (const f of FUNDERS) subsets.push([`funder ${f.slug}`, DECISIONS.filter((d) => d.funderSlug === f.slug)]);

  it.each(subsets)("equals a direct count (%s)", (_name, subset) => {
    let total = 0;
    for (const d of subset) if (d.decision === "rejected") total++;
    const expected = new Map<string, number>();
    for (const reason of REJECTION_REASONS) {
      let count = 0;
      for (const d of subset) if (d.decision === "rejected" && d.rejectionReasons.includes(reason)) count++;
      if (count > 0) expected.set(reason, count);
    }

    const result = rejectionReasonFrequency(subset);
    expect(result.total).toBe(total);
    expect(new Map(result.reasons.map((r) => [r.reason, r.count]))).toEqual(expected);
    for (const r of result.reasons) expect(r.share).toBeCloseTo(r.count / total, 12);
    for (let i = 1; i < result.reasons.length; i++) {
      const a = result.reasons[i - 1]!;
      const b = result.reasons[i]!;
      const ordered = a.count > b.count || (a.count === b.count && REJECTION_REASONS.indexOf(a.reason as never) < REJECTION_REASONS.indexOf(b.reason as never));
      expect(ordered, `${a.reason} before ${b.reason}`).toBe(true);
    }
  });

  it("has no reasons and a zero total without data", () => {
    expect(rejectionReasonFrequency([])).toEqual({ total: 0, reasons: [] });
  });

  it("ignores reasons left on awarded, withdrawn and pending decisions", () => {
    const result = rejectionReasonFrequency([
      decision({ decision: "awarded", rejectionReasons: ["budget_or_roi"] }),
      decision({ decision: "withdrawn", rejectionReasons: ["budget_or_roi"] }),
      decision({ decision: "pending", rejectionReasons: ["budget_or_roi"] }),
      decision({ decision: "rejected", rejectionReasons: ["regulatory"] }),
    ]);
    expect(result).toEqual({ total: 1, reasons: [{ reason: "regulatory", count: 1, share: 1 }] });
  });

  it("counts every reason of a decision with several, each once, against all rejected decisions", () => {
    const result = rejectionReasonFrequency([
      decision({ rejectionReasons: ["data_quality", "regulatory", "data_quality"] }),
      decision({ rejectionReasons: ["regulatory"] }),
      decision({ rejectionReasons: [] }),
      decision({ rejectionReasons: ["other", "eligibility"] }),
    ]);
    expect(result).toEqual({
      total: 4,
      reasons: [
        { reason: "regulatory", count: 2, share: 0.5 },
        // Ties in codelist order: eligibility, data_quality, ..., other.
        { reason: "eligibility", count: 1, share: 0.25 },
        { reason: "data_quality", count: 1, share: 0.25 },
        { reason: "other", count: 1, share: 0.25 },
      ],
    });
  });
});

describe("reasonsBy", () => {
  it.each(["funder", "call", "year"] as const)("equals a direct count per %s", (by) => {
    const keyOf = (d: InsightDecision): string | null =>
      by === "funder" ? d.funderSlug : by === "call" ? d.callSlug : d.year === null ? null : String(d.year);
    const keys: (string | null)[] = [];
    for (const d of DECISIONS) if (!keys.includes(keyOf(d))) keys.push(keyOf(d));

    const groups = reasonsBy(DECISIONS, by);
    expect(groups.map((g) => g.key).sort()).toEqual([...keys].sort());
    for (const group of groups) {
      let rejected = 0;
      const counts = new Map<string, number>();
      for (const reason of REJECTION_REASONS) {
        let count = 0;
        for (const d of DECISIONS) if (keyOf(d) === group.key && d.decision === "rejected" && d.rejectionReasons.includes(reason)) count++;
        if (count > 0) counts.set(reason, count);
      }
      for (const d of DECISIONS) if (keyOf(d) === group.key && d.decision === "rejected") rejected++;
      expect(group.rejected, `rejected in ${group.key}`).toBe(rejected);
      expect(new Map(group.reasons.map((r) => [r.reason, r.count])), `reasons in ${group.key}`).toEqual(counts);
      for (let i = 1; i < group.reasons.length; i++) expect(group.reasons[i - 1]!.count).toBeGreaterThanOrEqual(group.reasons[i]!.count);
    }
    // The group without a call or year comes last (the data set has both).
    if (by !== "funder") expect(groups.at(-1)!.key).toBeNull();
  });

  it("labels funder and call groups with names, and year groups with the year, oldest first", () => {
    const byFunder = reasonsBy(DECISIONS, "funder");
    for (const g of byFunder) expect(g.label).toBe(FUNDERS.find((f) => f.slug === g.key)!.name);
    for (let i = 1; i < byFunder.length; i++) expect(byFunder[i - 1]!.rejected).toBeGreaterThanOrEqual(byFunder[i]!.rejected);

    const byCall = reasonsBy(DECISIONS, "call");
    for (const g of byCall) expect(g.label).toBe(g.key === null ? null : CALLS.find((c) => c?.slug === g.key)!.title);

    expect(reasonsBy(DECISIONS, "year").map((g) => g.key)).toEqual(["2019", "2020", "2021", "2022", "2023", "2024", "2025", null]);
    expect(reasonsBy(DECISIONS, "year").map((g) => g.label)).toEqual(["2019", "2020", "2021", "2022", "2023", "2024", "2025", null]);
  });

  it("keeps a group with no rejected decision, and ignores reasons on other decisions", () => {
    const groups = reasonsBy(
      [
        decision({ funderSlug: "a", funderName: "A", decision: "awarded", rejectionReasons: ["regulatory"] }),
        decision({ funderSlug: "b", funderName: "B", rejectionReasons: ["regulatory", "competition"] }),
        decision({ funderSlug: "b", funderName: "B", rejectionReasons: ["competition"] }),
      ],
      "funder",
    );
    expect(groups).toEqual([
      {
        key: "b",
        label: "B",
        rejected: 2,
        reasons: [
          { reason: "competition", count: 2 },
          { reason: "regulatory", count: 1 },
        ],
      },
      { key: "a", label: "A", rejected: 0, reasons: [] },
    ]);
  });

  it("returns no groups without data", () => {
    expect(reasonsBy([], "funder")).toEqual([]);
    expect(reasonsBy([], "call")).toEqual([]);
    expect(reasonsBy([], "year")).toEqual([]);
  });
});

describe("successRates", () => {
  it.each(["care_setting", "ai_type"] as const)("equals a direct count per %s", (by) => {
    const codelist: readonly string[] = by === "care_setting" ? CARE_SETTINGS : AI_TYPES;
    const unknown = by === "care_setting" ? "veterinary" : "quantum";
    const rows = successRates(DECISIONS, CASES, by);
    expect(rows.map((r) => r.value)).toEqual([...codelist, unknown]);

    for (const row of rows) {
      let decided = 0;
      let awarded = 0;
      for (const d of DECISIONS) {
        const values = by === "care_setting" ? d.careSettings : d.aiTypes;
        if (!values.includes(row.value)) continue;
        if (d.decision === "awarded") {
          decided++;
          awarded++;
        } else if (d.decision === "rejected") {
          decided++;
        }
      }
      let cases = 0;
      let successes = 0;
      for (const c of CASES) {
        const values = by === "care_setting" ? c.careSettings : c.aiTypes;
        if (!values.includes(row.value)) continue;
        if (c.outcome === "success" || c.outcome === "partial") {
          cases++;
          successes++;
        } else if (c.outcome === "failure" || c.outcome === "abandoned") {
          cases++;
        }
      }
      expect(row, row.value).toEqual({
        value: row.value,
        decided,
        awarded,
        awardRate: decided === 0 ? null : awarded / decided,
        cases,
        successes,
        successRate: cases === 0 ? null : successes / cases,
      });
    }
  });

  it("leaves out withdrawn, pending and ongoing records, and gives null rates when nothing is decided", () => {
    const rows = successRates(
      [
        decision({ decision: "withdrawn", careSettings: ["hospital"] }),
        decision({ decision: "pending", careSettings: ["hospital"] }),
        decision({ decision: "awarded", careSettings: ["radiology", "radiology"] }),
        decision({ decision: "rejected", careSettings: ["radiology"] }),
      ],
      [
        { id: "1", outcome: "ongoing", careSettings: ["hospital"], aiTypes: [], year: null },
        { id: "2", outcome: "partial", careSettings: ["radiology"], aiTypes: [], year: null },
        { id: "3", outcome: "abandoned", careSettings: ["radiology"], aiTypes: [], year: null },
        { id: "4", outcome: "failure", careSettings: ["radiology"], aiTypes: [], year: null },
      ],
      "care_setting",
    );
    expect(rows.find((r) => r.value === "hospital")).toEqual({
      value: "hospital",
      decided: 0,
      awarded: 0,
      awardRate: null,
      cases: 0,
      successes: 0,
      successRate: null,
    });
    expect(rows.find((r) => r.value === "radiology")).toEqual({
      value: "radiology",
      decided: 2,
      awarded: 1,
      awardRate: 0.5,
      cases: 3,
      successes: 1,
      successRate: 1 / 3,
    });
  });

  it("gives one empty row per codelist value without data", () => {
    const rows = successRates([], [], "ai_type");
    expect(rows.map((r) => r.value)).toEqual([...AI_TYPES]);
    for (const row of rows) expect(row).toMatchObject({ decided: 0, awardRate: null, cases: 0, successRate: null });
  });
});

describe("filter options", () => {
  it("lists each year with decisions once, newest first", () => {
    const expected: number[] = [];
    for (const d of DECISIONS) if (d.year !== null && !expected.includes(d.year)) expected.push(d.year);
    expected.sort((a, b) => b - a);
    expect(availableYears(DECISIONS)).toEqual(expected);
    expect(availableYears([])).toEqual([]);
    expect(availableYears([decision({ year: null })])).toEqual([]);
  });

  it("lists each funder with decisions once, by name", () => {
    expect(availableFunders(DECISIONS)).toEqual([
      { slug: "fwo", name: "FWO" },
      { slug: "innoviris", name: "Innoviris" },
      { slug: "koning-boudewijnstichting", name: "Koning Boudewijnstichting" },
      { slug: "riziv", name: "RIZIV – INAMI" },
      { slug: "spw-recherche", name: "SPW Recherche" },
      { slug: "vlaio", name: "VLAIO" },
    ]);
    expect(availableFunders([])).toEqual([]);
    expect(availableFunders(filterDecisions(DECISIONS, { funder: "vlaio" }))).toEqual([{ slug: "vlaio", name: "VLAIO" }]);
  });
});

describe("topics discussed", () => {
  const thread = (kind: InsightThread["kind"], tags: string[], replies = 0): InsightThread => ({
    id: `t${tags.join()}${replies}`,
    kind,
    tags,
    replies,
    year: 2026,
  });

  it("counts each thread once per tag, discussions and summaries apart, with their replies", () => {
    const rows = topicsDiscussed([
      thread("discussion", ["dpo", "dpo", "sepsis"], 3),
      thread("discussion", ["dpo"], 1),
      thread("round_table_summary", ["dpo", "governance"], 0),
      thread("discussion", [], 9),
    ]);
    expect(rows).toEqual([
      { tag: "dpo", discussions: 2, summaries: 1, replies: 4 },
      { tag: "sepsis", discussions: 1, summaries: 0, replies: 3 },
      { tag: "governance", discussions: 0, summaries: 1, replies: 0 },
    ]);
  });

  it("orders ties on threads by replies, then by tag; keeps at most `limit` rows", () => {
    const threads = [
      thread("discussion", ["b"], 1),
      thread("discussion", ["a"], 1),
      thread("discussion", ["c"], 5),
      thread("discussion", ["d"], 0),
      thread("discussion", ["d"], 0),
    ];
    expect(topicsDiscussed(threads).map((r) => r.tag)).toEqual(["d", "c", "a", "b"]);
    expect(topicsDiscussed(threads, 2).map((r) => r.tag)).toEqual(["d", "c"]);
    expect(topicsDiscussed(threads, 0)).toEqual([]);
    expect(topicsDiscussed([])).toEqual([]);
  });
});
