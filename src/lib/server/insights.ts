// Aggregate statistics for the insights page: why funding applications are refused, and
// how often projects succeed per care setting and AI technique. Pure functions over arrays
// of public records so that the numbers can be checked against a direct count in tests;
// the caller loads published records from PocketBase and maps them to these shapes.
import { AI_TYPES, CARE_SETTINGS, REJECTION_REASONS } from "../codelists.ts";

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
