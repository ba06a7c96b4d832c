// Aggregate statistics for the insights page: why funding applications are refused, and
// how often projects succeed per care setting and AI technique, and how the outcomes of case
// studies differ with their governance and data facts (issue 17 §4). Pure functions over arrays
// of public records so that the numbers can be checked against a direct count in tests;
// the caller loads published records from PocketBase and maps them to these shapes.
import { AI_TYPES, CASE_FACTS, CASE_FACT_LISTS, CARE_SETTINGS, REJECTION_REASONS, type CaseFact } from "../codelists.ts";

// Outcomes that count as a case study having ended well, and the ones that count as final
// at all; "ongoing" projects have no verdict yet and are left out of success rates.
const SUCCESS_OUTCOMES: ReadonlySet<string> = new Set(["success", "partial"]);
const FINAL_OUTCOMES: ReadonlySet<string> = new Set(["success", "partial", "failure", "abandoned"]);

const REASON_ORDER: ReadonlyMap<string, number> = new Map(REJECTION_REASONS.map((reason, index) => [reason, index]));

// A fixed collation so that funder lists sort the same on every server, whatever its locale.
const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/** Keeps the decisions of one year and/or one funder (by slug); an absent option does not filter. */
export function filterDecisions(decisions: readonly InsightDecision[], filter: DecisionFilter = {}): InsightDecision[] {
  return decisions.filter(
    (decision) => (filter.year === undefined || decision.year === filter.year) && (filter.funder === undefined || decision.funderSlug === filter.funder),
  );
}

/**
 * How often each reason is given for a refusal. Only `rejected` decisions count (reasons left
 * on other decisions are ignored); a reason listed twice on one decision counts once. `share`
 * is count / `total`, where `total` is every rejected decision, with or without reasons — so
 * shares do not add up to 1 when decisions give several reasons. Sorted by count, most
 * frequent first, ties in codelist order (unknown codes after the known ones, by code).
 */
export function rejectionReasonFrequency(decisions: readonly InsightDecision[]): ReasonFrequency {
  const rejected = decisions.filter((decision) => decision.decision === "rejected");
  const total = rejected.length;
  const reasons = countReasons(rejected).map(({ reason, count }) => ({ reason, count, share: count / total }));
  return { total, reasons };
}

/**
 * Rejection reasons per funder, call or year. Every key present among the decisions gets a
 * group, even with no rejected decision (`rejected: 0`, no reasons), because "this funder
 * published no refusal" is itself worth showing. Decisions outside any call, or without a
 * year, form one group whose key and label are null (the caller names it, translated).
 * Funder and call groups are sorted by rejected count, then label; year groups oldest first;
 * the null group comes last. Reasons are counted and ordered as in rejectionReasonFrequency.
 */
export function reasonsBy(decisions: readonly InsightDecision[], by: ReasonGrouping): ReasonGroup[] {
  const groups = new Map<string | null, { label: string | null; decisions: InsightDecision[] }>();
  for (const decision of decisions) {
    const { key, label } = groupKey(decision, by);
    let group = groups.get(key);
    if (!group) {
      group = { label, decisions: [] };
      groups.set(key, group);
    }
    group.decisions.push(decision);
  }
  const result: ReasonGroup[] = [];
  for (const [key, group] of groups) {
    const rejected = group.decisions.filter((decision) => decision.decision === "rejected");
    result.push({ key, label: group.label, rejected: rejected.length, reasons: countReasons(rejected) });
  }
  return result.sort((a, b) => {
    if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1;
    if (by === "year") return Number(a.key) - Number(b.key);
    return b.rejected - a.rejected || collator.compare(a.label ?? "", b.label ?? "") || compareCodes(a.key, b.key);
  });
}

/**
 * Success per care setting or AI technique, one row for every value of the codelist (in
 * codelist order, then any unknown value found in the data, by code), so tables keep a
 * stable shape; rows with nothing to show have `decided` and `cases` at 0.
 *
 * Two different rates, never mixed:
 * - funding: `awardRate` = awarded / decided, where `decided` counts the awarded and rejected
 *   decisions (withdrawn and pending applications have no verdict); null when decided is 0.
 * - case studies: `successRate` = successes / cases, where `cases` counts the case studies
 *   with a final outcome (success, partial, failure, abandoned; ongoing ones are left out)
 *   and `successes` those whose outcome is success or partial; null when cases is 0.
 *
 * A record tagged with several values counts once under each, so rows do not add up to the
 * number of records.
 */
export function successRates(decisions: readonly InsightDecision[], cases: readonly InsightCase[], by: SuccessDimension): SuccessRateRow[] {
  const codelist: readonly string[] = by === "care_setting" ? CARE_SETTINGS : AI_TYPES;
  const rows = new Map<string, { decided: number; awarded: number; cases: number; successes: number }>();
  const rowFor = (value: string) => {
    let row = rows.get(value);
    if (!row) {
      row = { decided: 0, awarded: 0, cases: 0, successes: 0 };
      rows.set(value, row);
    }
    return row;
  };
  for (const value of codelist) rowFor(value);

  for (const decision of decisions) {
    if (decision.decision !== "awarded" && decision.decision !== "rejected") continue;
    for (const value of new Set(by === "care_setting" ? decision.careSettings : decision.aiTypes)) {
      const row = rowFor(value);
      row.decided += 1;
      if (decision.decision === "awarded") row.awarded += 1;
    }
  }
  for (const caseStudy of cases) {
    if (!FINAL_OUTCOMES.has(caseStudy.outcome)) continue;
    for (const value of new Set(by === "care_setting" ? caseStudy.careSettings : caseStudy.aiTypes)) {
      const row = rowFor(value);
      row.cases += 1;
      if (SUCCESS_OUTCOMES.has(caseStudy.outcome)) row.successes += 1;
    }
  }

  const known = new Set(codelist);
  const unknown = [...rows.keys()].filter((value) => !known.has(value)).sort(compareCodes);
  return [...codelist, ...unknown].map((value) => {
    const row = rowFor(value);
    return {
      value,
      decided: row.decided,
      awarded: row.awarded,
      awardRate: row.decided === 0 ? null : row.awarded / row.decided,
      cases: row.cases,
      successes: row.successes,
      successRate: row.cases === 0 ? null : row.successes / row.cases,
    };
  });
}

/**
 * What peers discuss: for each tag, the published discussions and round-table summaries that
 * carry it, and the published replies under them. A thread with a tag listed twice counts
 * once. Sorted by threads (discussions + summaries), then replies, then tag; `limit` rows at
 * most, so that one long tail of single-use tags does not bury the topics that recur.
 */
export function topicsDiscussed(threads: readonly InsightThread[], limit = 12): TopicRow[] {
  const rows = new Map<string, TopicRow>();
  for (const thread of threads) {
    for (const tag of new Set(thread.tags)) {
      let row = rows.get(tag);
      if (!row) {
        row = { tag, discussions: 0, summaries: 0, replies: 0 };
        rows.set(tag, row);
      }
      if (thread.kind === "discussion") row.discussions += 1;
      else row.summaries += 1;
      row.replies += thread.replies;
    }
  }
  return [...rows.values()]
    .sort((a, b) => b.discussions + b.summaries - (a.discussions + a.summaries) || b.replies - a.replies || compareCodes(a.tag, b.tag))
    .slice(0, Math.max(0, limit));
}

/**
 * The smallest group whose outcomes are compared (issue 17 §4): below it a group shows how
 * many projects it holds and "too few to compare", never a share, a breakdown or a chart bar.
 * One or two projects make a share meaningless (1 of 1 is "100 %"), and with facts as
 * specific as these a breakdown of a tiny group would tell the outcome of a known project.
 */
export const MIN_GROUP_SIZE = 5;

/** The controlled facts compared on the outcomes page, in the order of the canvas; changed_roles last. */
export const COMPARED_FACTS: readonly ComparedFact[] = [...(Object.keys(CASE_FACTS) as CaseFact[]), "changed_roles"];

/** Keeps the case studies of one care setting and/or one AI technique (by code); an absent option does not filter. */
export function filterCases(cases: readonly InsightCase[], filter: CaseFilter = {}): InsightCase[] {
  return cases.filter(
    (c) =>
      (filter.careSetting === undefined || c.careSettings.includes(filter.careSetting)) && (filter.aiType === undefined || c.aiTypes.includes(filter.aiType)),
  );
}

/**
 * What separates successes from failures for one controlled fact: for each answer, the case
 * studies that gave it and how they ended. Outcomes mean what they mean in successRates:
 * success and partial ended well, failure and abandoned did not, and ongoing projects have
 * no verdict yet — they are counted apart (`ongoing`) and never in `projects` or a share.
 *
 * How answers are grouped, and why:
 * - one row per value of the fact's codelist, in codelist order, then any unknown code found
 *   in the data (by code), so that tables and exports keep a stable shape;
 * - "not known" (`unknown`) is an answer — nobody knew when the DPO came in — and a telling
 *   one, so it keeps its own row, flagged `notKnown`, listed last; pages show it in the table
 *   but draw no bar for it, because the chart compares situations and "not known" is none;
 * - a question left unanswered says nothing about the project, so it gets no row: only
 *   `unanswered` counts such projects (with a final outcome, like `projects`), for the reader
 *   to judge how much of the set a comparison covers;
 * - changed_roles takes several values: a project counts once under each role it ticked, so
 *   rows do not add up; ticking none is the list's "not answered".
 *
 * A row with fewer than MIN_GROUP_SIZE projects is `tooFew`: its successes, failures and
 * shares are null, whatever the caller does with them (pages and exports alike).
 * `overall` is the same figures over every case study given, answered or not: the baseline.
 */
export function outcomesByFact(cases: readonly InsightCase[], fact: ComparedFact): FactComparison {
  const codelist: readonly string[] = fact === "changed_roles" ? CASE_FACT_LISTS.changed_roles : CASE_FACTS[fact];
  const tallies = new Map<string, Tally>();
  const tallyFor = (value: string) => {
    let tally = tallies.get(value);
    if (!tally) {
      tally = { successes: 0, failures: 0, ongoing: 0 };
      tallies.set(value, tally);
    }
    return tally;
  };
  for (const value of codelist) tallyFor(value);
  const overall: Tally = { successes: 0, failures: 0, ongoing: 0 };
  let unanswered = 0;

  for (const caseStudy of cases) {
    const kind = outcomeKind(caseStudy.outcome);
    if (kind === null) continue;
    count(overall, kind);
    const values = factValues(caseStudy, fact);
    if (values.length === 0 && kind !== "ongoing") unanswered += 1;
    for (const value of values) count(tallyFor(value), kind);
  }

  const known = new Set(codelist);
  const extra = [...tallies.keys()].filter((value) => !known.has(value)).sort(compareCodes);
  const ordered = [...codelist.filter((value) => value !== "unknown"), ...extra, ...(known.has("unknown") ? ["unknown"] : [])];
  return {
    fact,
    rows: ordered.map((value) => ({ value, notKnown: value === "unknown", ...figures(tallyFor(value)) })),
    unanswered,
    overall: figures(overall),
  };
}

/** outcomesByFact for every compared fact, in COMPARED_FACTS order. */
export function outcomesByFacts(cases: readonly InsightCase[]): FactComparison[] {
  return COMPARED_FACTS.map((fact) => outcomesByFact(cases, fact));
}

/**
 * The widest gap in failure share within each fact, between two answers that can both be
 * compared (not "not known", at least MIN_GROUP_SIZE projects): the answer whose projects
 * failed least and the one whose projects failed most. Facts with fewer than two such answers
 * are left out. Sorted by gap, widest first, then in COMPARED_FACTS order; ties inside a fact
 * go to the answer listed first in the codelist.
 */
export function largestContrasts(comparisons: readonly FactComparison[]): FactContrast[] {
  const contrasts: (FactContrast & { order: number })[] = [];
  for (const comparison of comparisons) {
    const comparable = comparison.rows.filter((row): row is OutcomeRow & { failureShare: number } => !row.notKnown && row.failureShare !== null);
    if (comparable.length < 2) continue;
    let lowest = comparable[0]!;
    let highest = comparable[0]!;
    for (const row of comparable) {
      if (row.failureShare < lowest.failureShare) lowest = row;
      if (row.failureShare > highest.failureShare) highest = row;
    }
    if (lowest === highest) highest = comparable[1]!;
    const order = COMPARED_FACTS.indexOf(comparison.fact);
    contrasts.push({
      fact: comparison.fact,
      lowest,
      highest,
      gap: highest.failureShare - lowest.failureShare,
      order: order === -1 ? Number.POSITIVE_INFINITY : order,
    });
  }
  return contrasts.sort((a, b) => b.gap - a.gap || a.order - b.order).map(({ order: _order, ...contrast }) => contrast);
}

type Tally = { successes: number; failures: number; ongoing: number };

// "success" and "failure" here are the two halves of a final outcome (see SUCCESS_OUTCOMES).
function outcomeKind(outcome: string): "success" | "failure" | "ongoing" | null {
  if (SUCCESS_OUTCOMES.has(outcome)) return "success";
  if (FINAL_OUTCOMES.has(outcome)) return "failure";
  return outcome === "ongoing" ? "ongoing" : null;
}

function count(tally: Tally, kind: "success" | "failure" | "ongoing"): void {
  if (kind === "success") tally.successes += 1;
  else if (kind === "failure") tally.failures += 1;
  else tally.ongoing += 1;
}

// A case study's answers to one fact; an empty string or list is "not answered".
function factValues(caseStudy: InsightCase, fact: ComparedFact): string[] {
  if (fact === "changed_roles") return [...new Set((caseStudy.changedRoles ?? []).filter((role) => role !== ""))];
  const value = caseStudy.facts?.[fact] ?? "";
  return value === "" ? [] : [value];
}

function figures(tally: Tally): OutcomeFigures {
  const projects = tally.successes + tally.failures;
  const tooFew = projects < MIN_GROUP_SIZE;
  return {
    projects,
    ongoing: tally.ongoing,
    tooFew,
    successes: tooFew ? null : tally.successes,
    failures: tooFew ? null : tally.failures,
    successShare: tooFew ? null : tally.successes / projects,
    failureShare: tooFew ? null : tally.failures / projects,
  };
}

/** The years that have decisions, newest first, for the year filter (decisions without a year are left out). */
export function availableYears(decisions: readonly InsightDecision[]): number[] {
  const years = new Set<number>();
  for (const decision of decisions) if (decision.year !== null) years.add(decision.year);
  return [...years].sort((a, b) => b - a);
}

/** The funders that have decisions, by name, for the funder filter; one entry per slug (the first name seen). */
export function availableFunders(decisions: readonly InsightDecision[]): FunderOption[] {
  const funders = new Map<string, string>();
  for (const decision of decisions) if (!funders.has(decision.funderSlug)) funders.set(decision.funderSlug, decision.funderName);
  return [...funders].map(([slug, name]) => ({ slug, name })).sort((a, b) => collator.compare(a.name, b.name) || compareCodes(a.slug, b.slug));
}

// Counts each reason once per decision; sorted by count, then codelist order.
function countReasons(decisions: readonly InsightDecision[]): ReasonCount[] {
  const counts = new Map<string, number>();
  for (const decision of decisions) {
    for (const reason of new Set(decision.rejectionReasons)) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || compareReasons(a.reason, b.reason));
}

function compareReasons(a: string, b: string): number {
  const ia = REASON_ORDER.get(a) ?? Number.POSITIVE_INFINITY;
  const ib = REASON_ORDER.get(b) ?? Number.POSITIVE_INFINITY;
  return ia === ib ? compareCodes(a, b) : ia - ib;
}

// Plain code-unit order: codes are ASCII, and this does not depend on the server's locale.
function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupKey(decision: InsightDecision, by: ReasonGrouping): { key: string | null; label: string | null } {
  switch (by) {
    case "funder":
      return { key: decision.funderSlug, label: decision.funderName };
    case "call":
      return decision.callSlug === null ? { key: null, label: null } : { key: decision.callSlug, label: decision.callTitle ?? decision.callSlug };
    case "year":
      return decision.year === null ? { key: null, label: null } : { key: String(decision.year), label: String(decision.year) };
  }
}

/**
 * One published funding record. When the applicant's own account of an application and the
 * funder's record of the same application are linked, the caller passes only ONE of them,
 * so that no application is counted twice.
 */
export type InsightDecision = {
  id: string;
  funderSlug: string;
  funderName: string;
  callSlug: string | null;
  callTitle: string | null;
  decision: "awarded" | "rejected" | "withdrawn" | "pending";
  year: number | null;
  rejectionReasons: string[];
  careSettings: string[];
  aiTypes: string[];
};

/** One published case study. */
export type InsightCase = {
  id: string;
  outcome: string;
  careSettings: string[];
  aiTypes: string[];
  year: number | null;
  /** Its single-valued governance and data facts; an absent or empty value was not answered. */
  facts?: Partial<Record<CaseFact, string>>;
  /** The roles whose work changed; empty when not answered. */
  changedRoles?: string[];
};

/** A fact compared on the outcomes page: a single-valued case fact, or changed_roles. */
export type ComparedFact = CaseFact | "changed_roles";

/** Filters for filterCases, by code. */
export type CaseFilter = { careSetting?: string; aiType?: string };

/**
 * How a group of case studies ended. `projects` have a final outcome (`successes` +
 * `failures`); `ongoing` ones are counted apart. When `tooFew` (projects < MIN_GROUP_SIZE)
 * the breakdown and shares are null.
 */
export type OutcomeFigures = {
  projects: number;
  ongoing: number;
  tooFew: boolean;
  successes: number | null;
  failures: number | null;
  successShare: number | null;
  failureShare: number | null;
};

/** One answer to a fact and the outcomes of the case studies that gave it; `notKnown` for the answer "not known". */
export type OutcomeRow = OutcomeFigures & { value: string; notKnown: boolean };

/** Result of outcomesByFact. */
export type FactComparison = { fact: ComparedFact; rows: OutcomeRow[]; unanswered: number; overall: OutcomeFigures };

/** The widest gap in failure share within one fact (see largestContrasts). */
export type FactContrast = {
  fact: ComparedFact;
  lowest: OutcomeRow & { failureShare: number };
  highest: OutcomeRow & { failureShare: number };
  gap: number;
};

/** One published discussion or round-table summary, with its count of published replies. */
export type InsightThread = { id: string; kind: "discussion" | "round_table_summary"; tags: string[]; replies: number; year: number | null };

/** One tag's threads and replies (see topicsDiscussed). */
export type TopicRow = { tag: string; discussions: number; summaries: number; replies: number };

/** Filters for filterDecisions; the funder is a slug. */
export type DecisionFilter = { year?: number; funder?: string };

/** How often one reason is given. */
export type ReasonCount = { reason: string; count: number };

/** Result of rejectionReasonFrequency: `total` rejected decisions and each reason's count and share of them. */
export type ReasonFrequency = { total: number; reasons: (ReasonCount & { share: number })[] };

/** What reasonsBy groups on. */
export type ReasonGrouping = "funder" | "call" | "year";

/** Rejection reasons of one funder, call or year; key and label are null for "no call" / "no year". */
export type ReasonGroup = { key: string | null; label: string | null; rejected: number; reasons: ReasonCount[] };

/** What successRates breaks down by. */
export type SuccessDimension = "care_setting" | "ai_type";

/** Funding and case-study success for one care setting or AI technique (see successRates). */
export type SuccessRateRow = {
  value: string;
  decided: number;
  awarded: number;
  awardRate: number | null;
  cases: number;
  successes: number;
  successRate: number | null;
};

/** An entry of the funder filter. */
export type FunderOption = { slug: string; name: string };
