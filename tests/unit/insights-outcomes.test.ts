// "What separates successes from failures" (issue 17 §4): outcomesByFact and friends against a
// direct count written out below with plain loops over a seeded random set of case studies,
// small-group suppression at its boundary, and the open-data exports of the same figures.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AI_TYPES, CARE_SETTINGS, CASE_FACTS, OUTCOMES, STAFF_ROLES } from "../../src/lib/codelists.ts";
import {
  COMPARED_FACTS,
  filterCases,
  largestContrasts,
  MIN_GROUP_SIZE,
  outcomesByFact,
  outcomesByFacts,
  type ComparedFact,
  type InsightCase,
} from "../../src/lib/server/insights.ts";
import {
  OUTCOMES_CSV_COLUMNS,
  outcomesExportSchema,
  outcomesHeaders,
  outcomesToCsv,
  outcomesToJson,
  readOutcomesFilter,
} from "../../src/lib/server/opendata.ts";

// mulberry32, as in insights.test.ts: a failure reproduces with the same data.
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
const random = prng(17_04_2026);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const some = <T>(list: readonly T[], max: number): T[] => Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(list));

const FACT_NAMES = Object.keys(CASE_FACTS) as (keyof typeof CASE_FACTS)[];
// An answer for one fact: often unanswered (""), sometimes an unexpected code, and each fact's
// last listed value rarely, so that some groups are small and must be suppressed.
function drawAnswer(list: readonly string[]): string {
  const r = random();
  if (r < 0.2) return "";
  if (r < 0.22) return "legacy_code";
  const common = list.slice(0, -2);
  if (r < 0.25) return list[list.length - 2]!; // a rare answer: a few projects at most
  return pick([...common, "unknown"]);
}
const CASES: InsightCase[] = Array.from({ length: 400 }, (_, index) => ({
  id: `c${index}`,
  // "" and an odd outcome: neither is a final outcome nor ongoing; they must count nowhere.
  outcome: pick([...OUTCOMES, "success", "failure", "", "cancelled"]),
  careSettings: some(CARE_SETTINGS, 2),
  aiTypes: some(AI_TYPES, 2),
  year: 2024,
  facts: Object.fromEntries(FACT_NAMES.map((fact) => [fact, drawAnswer(CASE_FACTS[fact])])),
  // Duplicates on purpose: a role named twice counts once.
  changedRoles: some(STAFF_ROLES, 3),
}));
// Some records come without facts at all (older shape): every fact is unanswered for them.
CASES.push(
  { id: "bare1", outcome: "failure", careSettings: ["hospital"], aiTypes: ["llm"], year: null },
  { id: "bare2", outcome: "ongoing", careSettings: [], aiTypes: [], year: null },
);

// The independent count: plain loops, outcome codes written out.
function expectedFor(cases: readonly InsightCase[], fact: ComparedFact) {
  const byValue: Record<string, { successes: number; failures: number; ongoing: number }> = {};
  let unanswered = 0;
  let all = { successes: 0, failures: 0, ongoing: 0 };
  for (const c of cases) {
    const isSuccess = c.outcome === "success" || c.outcome === "partial";
    const isFailure = c.outcome === "failure" || c.outcome === "abandoned";
    const isOngoing = c.outcome === "ongoing";
    if (!isSuccess && !isFailure && !isOngoing) continue;
    all = { successes: all.successes + (isSuccess ? 1 : 0), failures: all.failures + (isFailure ? 1 : 0), ongoing: all.ongoing + (isOngoing ? 1 : 0) };
    let values: string[] = [];
    if (fact === "changed_roles") {
      for (const role of c.changedRoles ?? []) if (!values.includes(role)) values.push(role);
    } else {
      const v = c.facts?.[fact];
      if (v) values = [v];
    }
    if (values.length === 0 && !isOngoing) unanswered++;
    for (const v of values) {
      byValue[v] ??= { successes: 0, failures: 0, ongoing: 0 };
      if (isSuccess) byValue[v].successes++;
      if (isFailure) byValue[v].failures++;
      if (isOngoing) byValue[v].ongoing++;
    }
  }
  return { byValue, unanswered, all };
}

describe("the seeded set", () => {
  it("has small groups, large groups, “not known”, unanswered questions and unexpected codes", () => {
    const sizes = FACT_NAMES.flatMap((fact) => Object.values(expectedFor(CASES, fact).byValue).map((v) => v.successes + v.failures));
    expect(sizes.some((n) => n > 0 && n < MIN_GROUP_SIZE)).toBe(true);
    expect(sizes.some((n) => n >= 20)).toBe(true);
    expect(CASES.some((c) => c.facts?.dpo_involvement === "unknown")).toBe(true);
    expect(CASES.some((c) => c.facts?.dpo_involvement === "legacy_code")).toBe(true);
    expect(CASES.some((c) => c.facts?.dpo_involvement === "")).toBe(true);
    expect(CASES.some((c) => new Set(c.changedRoles).size < (c.changedRoles ?? []).length)).toBe(true);
  });
});

describe("outcomesByFact", () => {
  it.each(COMPARED_FACTS.map((fact) => [fact]))("%s: every answer's projects, successes, failures, ongoing and shares equal a direct count", (fact) => {
    const result = outcomesByFact(CASES, fact);
    const expected = expectedFor(CASES, fact);
    expect(result.fact).toBe(fact);
    expect(result.unanswered).toBe(expected.unanswered);
    const list: readonly string[] = fact === "changed_roles" ? STAFF_ROLES : CASE_FACTS[fact];
    // Every listed value has a row (stable shape), plus the unexpected code when it occurs; "unknown" last.
    const values = result.rows.map((r) => r.value);
    for (const value of list) expect(values).toContain(value);
    for (const value of Object.keys(expected.byValue)) expect(values).toContain(value);
    expect(values.length).toBe(new Set([...list, ...Object.keys(expected.byValue)]).size);
    if (list.includes("unknown")) expect(values.at(-1)).toBe("unknown");
    for (const row of result.rows) {
      const e = expected.byValue[row.value] ?? { successes: 0, failures: 0, ongoing: 0 };
      const projects = e.successes + e.failures;
      expect(row.notKnown, row.value).toBe(row.value === "unknown");
      expect(row.projects, row.value).toBe(projects);
      expect(row.ongoing, row.value).toBe(e.ongoing);
      if (projects < 5) {
        expect(row, row.value).toMatchObject({ tooFew: true, successes: null, failures: null, successShare: null, failureShare: null });
      } else {
        expect(row, row.value).toMatchObject({ tooFew: false, successes: e.successes, failures: e.failures });
        expect(row.failureShare).toBeCloseTo(e.failures / projects, 12);
        expect(row.successShare).toBeCloseTo(e.successes / projects, 12);
      }
    }
    expect(result.overall).toMatchObject({
      projects: expected.all.successes + expected.all.failures,
      successes: expected.all.successes,
      failures: expected.all.failures,
      ongoing: expected.all.ongoing,
    });
  });

  it("suppresses a group of 4 projects and compares a group of 5", () => {
    const make = (n: number, value: string, failures: number): InsightCase[] =>
      Array.from({ length: n }, (_, i) => ({
        id: `${value}${i}`,
        outcome: i < failures ? "abandoned" : "partial",
        careSettings: [],
        aiTypes: [],
        year: null,
        facts: { data_location: value },
      }));
    // Ongoing projects never lift a group over the threshold.
    const ongoing: InsightCase[] = Array.from({ length: 3 }, (_, i) => ({
      id: `o${i}`,
      outcome: "ongoing",
      careSettings: [],
      aiTypes: [],
      year: null,
      facts: { data_location: "outside_eu" },
    }));
    const rows = outcomesByFact([...make(4, "outside_eu", 4), ...ongoing, ...make(5, "at_source", 1)], "data_location").rows;
    const row = (value: string) => rows.find((r) => r.value === value)!;
    expect(row("outside_eu")).toEqual({
      value: "outside_eu",
      notKnown: false,
      projects: 4,
      ongoing: 3,
      tooFew: true,
      successes: null,
      failures: null,
      successShare: null,
      failureShare: null,
    });
    expect(row("at_source")).toEqual({
      value: "at_source",
      notKnown: false,
      projects: 5,
      ongoing: 0,
      tooFew: false,
      successes: 4,
      failures: 1,
      successShare: 0.8,
      failureShare: 0.2,
    });
  });

  it("counts nothing from nothing, with every row present and suppressed", () => {
    const result = outcomesByFact([], "nis2");
    expect(result.rows.map((r) => r.value)).toEqual(["yes", "no", "unknown"]);
    expect(result.rows.every((r) => r.projects === 0 && r.tooFew && r.failureShare === null)).toBe(true);
    expect(result.unanswered).toBe(0);
    expect(result.overall.projects).toBe(0);
  });

  it("outcomesByFacts covers the eleven single-valued facts and changed_roles, in canvas order", () => {
    expect(outcomesByFacts(CASES).map((c) => c.fact)).toEqual([...FACT_NAMES, "changed_roles"]);
  });
});

describe("filterCases", () => {
  it("keeps exactly the case studies of the care setting and/or AI technique", () => {
    for (const careSetting of [undefined, "hospital", "home_care"]) {
      for (const aiType of [undefined, "llm", "computer_vision"]) {
        const kept = filterCases(CASES, { careSetting, aiType }).map((c) => c.id);
        const expected: string[] = [];
        for (const c of CASES) if ((!careSetting || c.careSettings.includes(careSetting)) && (!aiType || c.aiTypes.includes(aiType))) expected.push(c.id);
        expect(kept).toEqual(expected);
      }
    }
  });
});

describe("largestContrasts", () => {
  it("pairs, for each fact, the comparable answers with the lowest and highest failure share; widest gap first", () => {
    const comparisons = outcomesByFacts(CASES);
    const contrasts = largestContrasts(comparisons);
    expect(contrasts.length).toBeGreaterThan(0);
    for (const comparison of comparisons) {
      // Brute force over the rows: answers with a share, "not known" excluded.
      const shares: number[] = [];
      for (const row of comparison.rows) if (row.value !== "unknown" && row.projects >= 5) shares.push(row.failures! / row.projects);
      const contrast = contrasts.find((c) => c.fact === comparison.fact);
      if (shares.length < 2) {
        expect(contrast, comparison.fact).toBeUndefined();
        continue;
      }
      expect(contrast!.lowest.failureShare).toBeCloseTo(Math.min(...shares), 12);
      expect(contrast!.highest.failureShare).toBeCloseTo(Math.max(...shares), 12);
      expect(contrast!.gap).toBeCloseTo(Math.max(...shares) - Math.min(...shares), 12);
      expect(contrast!.lowest.value).not.toBe("unknown");
    }
    for (let i = 1; i < contrasts.length; i++) expect(contrasts[i - 1]!.gap).toBeGreaterThanOrEqual(contrasts[i]!.gap);
  });
});

// Splits the exporter's CSV (no quoted cells in these files: codes and numbers only).
function parseCsv(text: string): string[][] {
  expect(text.startsWith("\uFEFF")).toBe(true);
  return text
    .slice(1)
    .trimEnd()
    .split("\r\n")
    .map((line) => line.split(","));
}

describe("outcomes open data", () => {
  const meta = { publicUrl: "https://casebook.example/", generatedAt: "2026-12-03T07:00:00.000Z", filter: { careSetting: "hospital" } };
  const comparisons = outcomesByFacts(filterCases(CASES, meta.filter));

  it("outcomes.csv has one line per answer of each fact with the page's figures, and nothing but the size of a small group", () => {
    const [header, ...lines] = parseCsv(outcomesToCsv(comparisons, meta));
    expect(header).toEqual([...OUTCOMES_CSV_COLUMNS]);
    expect(lines.length).toBe(comparisons.reduce((n, c) => n + c.rows.length, 0));
    const hospital = CASES.filter((c) => c.careSettings.includes("hospital"));
    for (const line of lines) {
      const cell = Object.fromEntries(OUTCOMES_CSV_COLUMNS.map((column, i) => [column, line[i]]));
      const expected = expectedFor(hospital, cell.fact as ComparedFact);
      const e = expected.byValue[cell.value!] ?? { successes: 0, failures: 0, ongoing: 0 };
      const projects = e.successes + e.failures;
      expect(cell.projects).toBe(String(projects));
      expect(cell.ongoing).toBe(String(e.ongoing));
      expect(cell.fact_unanswered).toBe(String(expected.unanswered));
      expect(cell.not_known).toBe(cell.value === "unknown" ? "1" : "0");
      if (projects < 5) {
        expect([cell.too_few, cell.successes, cell.failures, cell.failure_share]).toEqual(["1", "", "", ""]);
      } else {
        expect([cell.too_few, cell.successes, cell.failures]).toEqual(["0", String(e.successes), String(e.failures)]);
        expect(Number(cell.failure_share)).toBeCloseTo(e.failures / projects, 4);
      }
    }
  });

  it("outcomes.json follows its schema and carries the filter, the threshold and the same rows", () => {
    const body = outcomesToJson(comparisons, comparisons[0]!.overall, meta);
    expect(outcomesExportSchema.safeParse(JSON.parse(JSON.stringify(body))).success).toBe(true);
    expect(body.filter).toEqual({ careSetting: "hospital", aiType: null });
    expect(body.minGroupSize).toBe(5);
    expect(body.source).toBe("https://casebook.example/");
    expect(body.facts.map((f) => f.fact)).toEqual([...COMPARED_FACTS]);
    expect(body.facts[1]!.rows).toEqual(comparisons[1]!.rows);
  });

  it("never lets a small group's breakdown out, even when the figures passed in carry one", () => {
    const leaky = outcomesByFact([], "dpia");
    leaky.rows[0] = { ...leaky.rows[0]!, projects: 3, tooFew: false, successes: 1, failures: 2, successShare: 1 / 3, failureShare: 2 / 3 };
    const [, first] = parseCsv(outcomesToCsv([leaky], meta));
    expect(first!.slice(0, 9)).toEqual(["dpia", "yes", "0", "3", "", "", "", "0", "1"]);
    const json = outcomesToJson([leaky], leaky.rows[0]!, meta);
    expect(json.facts[0]!.rows[0]).toMatchObject({ projects: 3, tooFew: true, successes: null, failures: null, failureShare: null });
    expect(json.overall).toMatchObject({ tooFew: true, failureShare: null });
    expect(outcomesExportSchema.safeParse(json).success).toBe(true);
  });

  it("reads care_setting and ai_type codes only, and names the download after them", () => {
    expect(readOutcomesFilter(new URLSearchParams("care_setting=home_care&ai_type=llm"))).toEqual({
      ok: true,
      filter: { careSetting: "home_care", aiType: "llm" },
    });
    expect(readOutcomesFilter(new URLSearchParams(""))).toEqual({ ok: true, filter: {} });
    expect(readOutcomesFilter(new URLSearchParams("care_setting=veterinary")).ok).toBe(false);
    expect(readOutcomesFilter(new URLSearchParams("ai_type=%22%3E%3Cscript%3E")).ok).toBe(false);
    const headers = outcomesHeaders("outcomes.csv", { ...meta, filter: { careSetting: "home_care", aiType: "llm" } });
    expect(headers["Content-Disposition"]).toBe('inline; filename="casebook-outcomes-home-care-llm.csv"');
    expect(headers["Content-Type"]).toMatch(/^text\/csv/);
    expect(headers["X-Casebook-Licence"]).toContain("CC BY 4.0");
  });
});

describe("docs/open-data.md documents the outcomes files", () => {
  const doc = readFileSync(new URL("../../docs/open-data.md", import.meta.url), "utf8");
  it.each(["/open-data/outcomes.csv", "/open-data/outcomes.json", "?care_setting=", "ai_type=", "minGroupSize", "tooFew", "notKnown", "unanswered", "overall"])(
    "mentions %s",
    (text) => {
      expect(doc).toContain(text);
    },
  );
  it.each([...OUTCOMES_CSV_COLUMNS])("documents the CSV column %s", (name) => {
    expect(doc).toMatch(new RegExp(`\\| \`${name}\` \\|`));
  });
});
