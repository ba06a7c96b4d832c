// Open data: the public funding decisions and calls as CSV, JSON and a 360Giving Data
// Standard package, and the outcomes of case studies by governance and data fact (issue 17
// §4), under CC BY 4.0 (docs/open-data.md documents every file and field).
//
// Inputs are already public (PublicDecision, PublicCall), but every exporter still builds
// its output field by field from them — never by spreading — so a field added to the input
// later cannot leak into a file. Anonymisation is enforced here once more: when an
// applicant has no public name, its slug is dropped too and only the descriptor is written.

import { createHash } from "node:crypto";
import { z } from "zod";
import { codeLabel } from "../../i18n/index.ts";
import { AI_TYPES, CARE_SETTINGS } from "../codelists.ts";
import { MIN_GROUP_SIZE, type FactComparison, type OutcomeFigures } from "./insights.ts";

/** The licence of every export. */
export const OPEN_DATA_LICENCE = { name: "CC BY 4.0", url: "https://creativecommons.org/licenses/by/4.0/" } as const;

/** 360Giving grant identifier prefix; not registered with 360Giving (docs/open-data.md). */
export const GRANT_ID_PREFIX = "360G-casebook-";

/** Organisation identifier prefix; not a registered org-id list (docs/open-data.md). */
export const ORG_ID_PREFIX = "XI-CASEBOOK-";

/** Columns of decisions.csv, in file order. */
export const DECISIONS_CSV_COLUMNS = [
  "id",
  "slug",
  "url",
  "title",
  "call_slug",
  "call_title",
  "programme",
  "funder_slug",
  "funder_name",
  "applicant_name",
  "applicant_descriptor",
  "applicant_slug",
  "amount_requested",
  "amount_awarded",
  "currency",
  "decision",
  "decided_on",
  "rejection_reasons",
  "reason_text",
  "language",
  "care_settings",
  "ai_types",
  "published_at",
] as const;

/** Columns of calls.csv, in file order. */
export const CALLS_CSV_COLUMNS = [
  "slug",
  "title",
  "programme",
  "description",
  "budget",
  "currency",
  "opens_on",
  "closes_on",
  "url",
  "funder_slug",
  "funder_name",
] as const;

/** Columns of outcomes.csv, in file order: one line per answer to each compared fact. */
export const OUTCOMES_CSV_COLUMNS = [
  "fact",
  "value",
  "not_known",
  "projects",
  "successes",
  "failures",
  "failure_share",
  "ongoing",
  "too_few",
  "fact_unanswered",
] as const;

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });
const decisionItemSchema = z.strictObject({
  id: z.string().min(1),
  slug: z.string().min(1),
  url: z.url(),
  title: z.string(),
  call: z.strictObject({ slug: z.string().min(1), title: z.string(), programme: z.string().nullable() }).nullable(),
  funder: z.strictObject({ slug: z.string().min(1), name: z.string() }),
  applicant: z.strictObject({ name: z.string().min(1).nullable(), descriptor: z.string().min(1), slug: z.string().min(1).nullable() }),
  amountRequested: z.number().nonnegative().nullable(),
  amountAwarded: z.number().nonnegative().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  decision: z.enum(["awarded", "rejected", "withdrawn", "pending"]),
  decidedOn: isoDate.nullable(),
  rejectionReasons: z.array(z.string()),
  reasonText: z.string().nullable(),
  language: z.string().regex(/^[a-z]{2}$/),
  careSettings: z.array(z.string()),
  aiTypes: z.array(z.string()),
  publishedAt: isoDateTime,
});
const callItemSchema = z.strictObject({
  slug: z.string().min(1),
  title: z.string(),
  programme: z.string().nullable(),
  description: z.string(),
  budget: z.number().nonnegative().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  opensOn: isoDate.nullable(),
  closesOn: isoDate.nullable(),
  url: z.url().nullable(),
  funder: z.strictObject({ slug: z.string().min(1), name: z.string() }),
});
const envelope = {
  licence: z.strictObject({ name: z.literal(OPEN_DATA_LICENCE.name), url: z.literal(OPEN_DATA_LICENCE.url) }),
  generatedAt: isoDateTime,
  source: z.url(),
  filter: z.strictObject({ call: z.string().nullable(), funder: z.string().nullable() }),
  count: z.number().int().nonnegative(),
};

/** The documented schema of /open-data/decisions.json. */
export const decisionsExportSchema = z
  .strictObject({ ...envelope, items: z.array(decisionItemSchema) })
  .refine((data) => data.count === data.items.length, { message: "count must equal the number of items", path: ["count"] });

/** The documented schema of /open-data/calls.json. */
export const callsExportSchema = z
  .strictObject({ ...envelope, items: z.array(callItemSchema) })
  .refine((data) => data.count === data.items.length, { message: "count must equal the number of items", path: ["count"] });

const outcomeFiguresSchema = {
  projects: z.number().int().nonnegative(),
  ongoing: z.number().int().nonnegative(),
  tooFew: z.boolean(),
  successes: z.number().int().nonnegative().nullable(),
  failures: z.number().int().nonnegative().nullable(),
  successShare: z.number().min(0).max(1).nullable(),
  failureShare: z.number().min(0).max(1).nullable(),
};
const outcomesItemSchema = z.strictObject({
  fact: z.string().min(1),
  unanswered: z.number().int().nonnegative(),
  rows: z.array(z.strictObject({ value: z.string().min(1), notKnown: z.boolean(), ...outcomeFiguresSchema })),
});

/** The documented schema of /open-data/outcomes.json. */
export const outcomesExportSchema = z
  .strictObject({
    licence: envelope.licence,
    generatedAt: isoDateTime,
    source: z.url(),
    filter: z.strictObject({ careSetting: z.string().nullable(), aiType: z.string().nullable() }),
    minGroupSize: z.literal(MIN_GROUP_SIZE),
    outcomes: z.strictObject({ succeeded: z.array(z.string()), failed: z.array(z.string()), leftOut: z.array(z.string()) }),
    overall: z.strictObject(outcomeFiguresSchema),
    facts: z.array(outcomesItemSchema),
  })
  .refine(
    (data) =>
      [data.overall, ...data.facts.flatMap((f) => f.rows)].every((r) => r.tooFew === r.projects < MIN_GROUP_SIZE && (!r.tooFew || r.failureShare === null)),
    {
      message: "groups under minGroupSize must carry no breakdown",
      path: ["facts"],
    },
  );

/**
 * outcomes.csv: RFC 4180, UTF-8 with BOM, fixed columns (OUTCOMES_CSV_COLUMNS), codes not
 * labels. A group of fewer than MIN_GROUP_SIZE projects has empty successes, failures and
 * failure_share (too_few = 1). `fact_unanswered` repeats on every line of a fact: how many
 * case studies left that question unanswered (they are in no line).
 */
export function outcomesToCsv(comparisons: readonly FactComparison[], _meta: OutcomesExportMeta): string {
  const rows = comparisons.flatMap((comparison) =>
    comparison.rows.map((input) => {
      const r = outcomeFigures(input);
      const row: Record<(typeof OUTCOMES_CSV_COLUMNS)[number], CsvValue> = {
        fact: comparison.fact,
        value: input.value,
        not_known: input.notKnown ? 1 : 0,
        projects: r.projects,
        successes: r.successes,
        failures: r.failures,
        // Four decimals: enough to recompute the count, short enough to read.
        failure_share: r.failureShare === null ? null : Math.round(r.failureShare * 10000) / 10000,
        ongoing: r.ongoing,
        too_few: r.tooFew ? 1 : 0,
        fact_unanswered: comparison.unanswered,
      };
      return OUTCOMES_CSV_COLUMNS.map((column) => row[column]);
    }),
  );
  return toCsv([[...OUTCOMES_CSV_COLUMNS], ...rows]);
}

/** outcomes.json: licence, generation time, source, the filter and every fact's outcomes by answer (outcomesExportSchema). */
export function outcomesToJson(comparisons: readonly FactComparison[], overall: OutcomeFigures, meta: OutcomesExportMeta): OutcomesExport {
  return {
    licence: { name: OPEN_DATA_LICENCE.name, url: OPEN_DATA_LICENCE.url },
    generatedAt: isoTimestamp(meta.generatedAt),
    source: `${baseUrl(meta.publicUrl)}/`,
    filter: { careSetting: meta.filter?.careSetting ?? null, aiType: meta.filter?.aiType ?? null },
    minGroupSize: MIN_GROUP_SIZE,
    outcomes: { succeeded: ["success", "partial"], failed: ["failure", "abandoned"], leftOut: ["ongoing"] },
    overall: outcomeFigures(overall),
    facts: comparisons.map((comparison) => ({
      fact: comparison.fact,
      unanswered: comparison.unanswered,
      rows: comparison.rows.map((row) => ({ value: row.value, notKnown: row.notKnown, ...outcomeFigures(row) })),
    })),
  };
}

/** Reads `?care_setting=` and `?ai_type=` of the outcomes exports and page; codes of their lists only, anything else is refused. */
export function readOutcomesFilter(params: URLSearchParams): { ok: true; filter: OutcomesFilter } | { ok: false; message: string } {
  const filter: OutcomesFilter = {};
  const careSetting = params.get("care_setting");
  if (careSetting) {
    if (!(CARE_SETTINGS as readonly string[]).includes(careSetting)) return { ok: false, message: '"care_setting" must be a care-setting code.' };
    filter.careSetting = careSetting;
  }
  const aiType = params.get("ai_type");
  if (aiType) {
    if (!(AI_TYPES as readonly string[]).includes(aiType)) return { ok: false, message: '"ai_type" must be an AI-type code.' };
    filter.aiType = aiType;
  }
  return { ok: true, filter };
}

/** Response headers of an outcomes export: as openDataHeaders, the download name carrying the filter. */
export function outcomesHeaders(file: "outcomes.csv" | "outcomes.json", meta: OutcomesExportMeta): Record<string, string> {
  const [stem, extension] = file.split(".");
  const suffix = `${meta.filter?.careSetting ? `-${meta.filter.careSetting}` : ""}${meta.filter?.aiType ? `-${meta.filter.aiType}` : ""}`.replace(/_/g, "-");
  return {
    ...openDataHeaders(file, { publicUrl: meta.publicUrl, generatedAt: meta.generatedAt }),
    "Content-Disposition": `inline; filename="casebook-${stem}${suffix}.${extension}"`,
  };
}

// Built field by field, and suppression enforced once more: a group under MIN_GROUP_SIZE
// never leaves with a breakdown, whatever the figures passed in say.
function outcomeFigures(f: OutcomeFigures): OutcomeFigures {
  const tooFew = f.projects < MIN_GROUP_SIZE;
  return {
    projects: f.projects,
    ongoing: f.ongoing,
    tooFew,
    successes: tooFew ? null : f.successes,
    failures: tooFew ? null : f.failures,
    successShare: tooFew ? null : f.successShare,
    failureShare: tooFew ? null : f.failureShare,
  };
}

/** decisions.csv: RFC 4180, UTF-8 with BOM, fixed columns (DECISIONS_CSV_COLUMNS). */
export function decisionsToCsv(decisions: readonly PublicDecision[], _meta: ExportMeta): string {
  // Licence and generation time travel in HTTP headers (openDataHeaders), not in the file:
  // comment lines would break every CSV reader.
  const rows = decisions.map((input) => {
    const d = decisionItem(input);
    const row: Record<(typeof DECISIONS_CSV_COLUMNS)[number], CsvValue> = {
      id: d.id,
      slug: d.slug,
      url: d.url,
      title: d.title,
      call_slug: d.call?.slug ?? null,
      call_title: d.call?.title ?? null,
      programme: d.call?.programme ?? null,
      funder_slug: d.funder.slug,
      funder_name: d.funder.name,
      applicant_name: d.applicant.name,
      applicant_descriptor: d.applicant.descriptor,
      applicant_slug: d.applicant.slug,
      amount_requested: d.amountRequested,
      amount_awarded: d.amountAwarded,
      currency: d.currency,
      decision: d.decision,
      decided_on: d.decidedOn,
      rejection_reasons: d.rejectionReasons.join("|"),
      reason_text: d.reasonText,
      language: d.language,
      care_settings: d.careSettings.join("|"),
      ai_types: d.aiTypes.join("|"),
      published_at: d.publishedAt,
    };
    return DECISIONS_CSV_COLUMNS.map((column) => row[column]);
  });
  return toCsv([[...DECISIONS_CSV_COLUMNS], ...rows]);
}

/** calls.csv: RFC 4180, UTF-8 with BOM, fixed columns (CALLS_CSV_COLUMNS). */
export function callsToCsv(calls: readonly PublicCall[], _meta: ExportMeta): string {
  const rows = calls.map((input) => {
    const c = callItem(input);
    const row: Record<(typeof CALLS_CSV_COLUMNS)[number], CsvValue> = {
      slug: c.slug,
      title: c.title,
      programme: c.programme,
      description: c.description,
      budget: c.budget,
      currency: c.currency,
      opens_on: c.opensOn,
      closes_on: c.closesOn,
      url: c.url,
      funder_slug: c.funder.slug,
      funder_name: c.funder.name,
    };
    return CALLS_CSV_COLUMNS.map((column) => row[column]);
  });
  return toCsv([[...CALLS_CSV_COLUMNS], ...rows]);
}

/** decisions.json: licence, generation time, source and the decisions (decisionsExportSchema). */
export function decisionsToJson(decisions: readonly PublicDecision[], meta: ExportMeta): DecisionsExport {
  const items = decisions.map(decisionItem);
  return { ...exportEnvelope(meta), count: items.length, items };
}

/** calls.json: licence, generation time, source and the calls (callsExportSchema). */
export function callsToJson(calls: readonly PublicCall[], meta: ExportMeta): CallsExport {
  const items = calls.map(callItem);
  return { ...exportEnvelope(meta), count: items.length, items };
}

/** 360giving.json: a 360Giving Data Standard 1.4 package, one grant per decided decision. */
export function decisionsTo360Giving(decisions: readonly PublicDecision[], meta: ExportMeta): GrantPackage {
  const base = baseUrl(meta.publicUrl);
  const generatedAt = isoTimestamp(meta.generatedAt);
  const filter = normaliseFilter(meta.filter);
  const grants = decisions.flatMap((input) => {
    const grant = toGrant(decisionItem(input));
    return grant ? [grant] : [];
  });
  const scope = filter.call ? ` for the call ${filter.call}` : filter.funder ? ` of the funder ${filter.funder}` : "";
  return {
    version: "1.4",
    title: `Casebook funding decisions${scope}`,
    description:
      "Funding decisions on AI projects in Belgian healthcare published on Casebook, refusals included. Refused and withdrawn applications have amountAwarded 0 and a `casebook` extension object; see the documentation.",
    identifier: `casebook-360giving${filter.call ? `-call-${filter.call}` : ""}${filter.funder ? `-funder-${filter.funder}` : ""}`,
    issued: generatedAt,
    modified: generatedAt,
    publisher: { name: "Casebook", website: `${base}/` },
    license: OPEN_DATA_LICENCE.url,
    accessURL: `${base}/open-data`,
    downloadURL: `${base}/open-data/360giving.json${filterQuery(filter)}`,
    grants,
  };
}

/** Response headers of an export: type, download name, licence and generation time. */
export function openDataHeaders(file: OpenDataFile, meta: ExportMeta): Record<string, string> {
  const filter = normaliseFilter(meta.filter);
  const [stem = file, extension = "json"] = file.split(".");
  const suffix = `${filter.call ? `-call-${filter.call}` : ""}${filter.funder ? `-funder-${filter.funder}` : ""}`;
  return {
    "Content-Type": extension === "csv" ? "text/csv; charset=utf-8; header=present" : "application/json; charset=utf-8",
    "Content-Disposition": `inline; filename="casebook-${stem}${suffix}.${extension}"`,
    "X-Casebook-Licence": `${OPEN_DATA_LICENCE.name} ${OPEN_DATA_LICENCE.url}`,
    "X-Casebook-Generated": isoTimestamp(meta.generatedAt),
    Link: `<${OPEN_DATA_LICENCE.url}>; rel="license"`,
    // Open data is meant to be fetched from other sites' scripts too.
    "Access-Control-Allow-Origin": "*",
  };
}

/** Reads `?call=` and `?funder=` of an export URL; slugs only, anything else is refused. */
export function readOpenDataFilter(params: URLSearchParams): { ok: true; filter: OpenDataFilter } | { ok: false; message: string } {
  const filter: OpenDataFilter = {};
  for (const name of ["call", "funder"] as const) {
    const value = params.get(name);
    if (value === null || value === "") continue;
    if (!/^[a-z0-9][a-z0-9-]{0,99}$/.test(value)) return { ok: false, message: `"${name}" must be a slug (lowercase letters, digits and hyphens).` };
    filter[name] = value;
  }
  return { ok: true, filter };
}

/** The decisions that match a filter (same call slug, same funder slug). */
export function selectDecisions<T extends PublicDecision>(decisions: readonly T[], filter: OpenDataFilter = {}): T[] {
  return decisions.filter((d) => (!filter.call || d.call?.slug === filter.call) && (!filter.funder || d.funder.slug === filter.funder));
}

/** The calls that match a filter (that call's slug, that funder's slug). */
export function selectCalls<T extends PublicCall>(calls: readonly T[], filter: OpenDataFilter = {}): T[] {
  return calls.filter((c) => (!filter.call || c.slug === filter.call) && (!filter.funder || c.funder.slug === filter.funder));
}

/** RFC 4180 CSV with a UTF-8 BOM, CRLF line ends and spreadsheet formulas neutralised. */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  // The BOM is what makes Excel read UTF-8 instead of the local code page.
  return "\uFEFF" + rows.map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

/** One CSV cell: formula-like text gets a leading ', special characters get quoted. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  // A cell starting with = + - @ (or tab/CR, which some spreadsheets skip) would run as a
  // formula when the file is opened (OWASP "CSV injection"); the quote makes it text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  // `;` is quoted too so that a Belgian Excel splitting on `;` still keeps cells whole.
  return /[",;\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// ---------------------------------------------------------------------------------------
// Items

function decisionItem(d: PublicDecision): DecisionItem {
  const named = typeof d.applicant.name === "string" && d.applicant.name.trim() !== "";
  return {
    id: d.id,
    slug: d.slug,
    url: d.url,
    title: d.title,
    call: d.call ? { slug: d.call.slug, title: d.call.title, programme: d.call.programme || null } : null,
    funder: { slug: d.funder.slug, name: d.funder.name },
    applicant: {
      name: named ? d.applicant.name : null,
      descriptor: d.applicant.descriptor.trim() || "an applicant",
      // A slug names the organisation as surely as its name does.
      slug: named ? d.applicant.slug || null : null,
    },
    amountRequested: d.amountRequested ?? null,
    amountAwarded: d.amountAwarded ?? null,
    currency: d.currency.toUpperCase(),
    decision: d.decision,
    decidedOn: isoDateOrNull(d.decidedOn),
    rejectionReasons: [...d.rejectionReasons],
    reasonText: d.reasonText || null,
    language: d.language,
    careSettings: [...d.careSettings],
    aiTypes: [...d.aiTypes],
    publishedAt: isoTimestamp(d.publishedAt),
  };
}

function callItem(c: PublicCall): CallItem {
  return {
    slug: c.slug,
    title: c.title,
    programme: c.programme || null,
    description: c.description ?? "",
    budget: c.budget ?? null,
    currency: c.currency.toUpperCase(),
    opensOn: isoDateOrNull(c.opensOn),
    closesOn: isoDateOrNull(c.closesOn),
    url: c.url || null,
    funder: { slug: c.funder.slug, name: c.funder.name },
  };
}

function exportEnvelope(meta: ExportMeta): Omit<DecisionsExport, "count" | "items"> {
  const filter = normaliseFilter(meta.filter);
  return {
    licence: { name: OPEN_DATA_LICENCE.name, url: OPEN_DATA_LICENCE.url },
    generatedAt: isoTimestamp(meta.generatedAt),
    source: `${baseUrl(meta.publicUrl)}/`,
    filter: { call: filter.call ?? null, funder: filter.funder ?? null },
  };
}

// ---------------------------------------------------------------------------------------
// 360Giving

// Pending decisions, decisions without a date and awards without an amount are left out:
// awardDate and amountAwarded are required by the standard and must not be invented.
function toGrant(d: DecisionItem): Grant | null {
  if (d.decision === "pending" || d.decidedOn === null) return null;
  if (d.decision === "awarded" && d.amountAwarded === null) return null;
  const anonymised = d.applicant.name === null;
  const recipient: GrantOrganization = anonymised
    ? { id: `${ORG_ID_PREFIX}ANONYMOUS-${shortHash(d.id)}`, name: d.applicant.descriptor }
    : d.applicant.slug
      ? { id: `${ORG_ID_PREFIX}${d.applicant.slug}`, name: d.applicant.name ?? "" }
      : { id: `${ORG_ID_PREFIX}OUTSIDE-${shortHash((d.applicant.name ?? "").toLowerCase())}`, name: d.applicant.name ?? "" };
  const classifications = [
    ...d.careSettings.map((code) => ({ vocabulary: "casebook:care_setting", code, title: codeLabel("en", "care_setting", code) })),
    ...d.aiTypes.map((code) => ({ vocabulary: "casebook:ai_type", code, title: codeLabel("en", "ai_type", code) })),
  ];
  const grant: Grant = {
    id: `${GRANT_ID_PREFIX}${d.id}`,
    title: d.title,
    description: grantDescription(d),
    currency: d.currency,
    amountAwarded: d.decision === "awarded" ? (d.amountAwarded ?? 0) : 0,
    awardDate: d.decidedOn,
    recipientOrganization: [recipient],
    fundingOrganization: [{ id: `${ORG_ID_PREFIX}${d.funder.slug}`, name: d.funder.name }],
    url: d.url,
    dateModified: d.publishedAt,
    casebook: {
      decision: d.decision,
      rejectionReasons: d.rejectionReasons,
      reasonText: d.reasonText,
      anonymised,
      applicantDescriptor: d.applicant.descriptor,
    },
  };
  if (d.amountRequested !== null) grant.amountAppliedFor = d.amountRequested;
  if (d.call) {
    grant.grantProgramme = [{ code: d.call.slug, title: d.call.programme ? `${d.call.programme}: ${d.call.title}` : d.call.title }];
    // Casebook only lists calls that anyone could answer.
    grant.fromOpenCall = "Yes";
  }
  if (classifications.length > 0) grant.classifications = classifications;
  return grant;
}

// The standard requires a description; built only from fields that are public already.
function grantDescription(d: DecisionItem): string {
  const who = d.applicant.name ?? d.applicant.descriptor;
  const where = d.call ? ` under the call "${d.call.title}"` : "";
  if (d.decision === "awarded") return `Grant by ${d.funder.name} to ${who}${where}.`;
  if (d.decision === "withdrawn") return `Application by ${who} to ${d.funder.name}${where}, withdrawn by the applicant. No grant was made.`;
  const reasons = d.rejectionReasons.map((code) => codeLabel("en", "rejection_reason", code).toLowerCase());
  return `Application by ${who} to ${d.funder.name}${where}, refused${reasons.length > 0 ? ` (reasons: ${reasons.join(", ")})` : ""}. No grant was made.`;
}

// A placeholder identifier that is stable per decision yet says nothing about the applicant.
function shortHash(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 16);
}

// ---------------------------------------------------------------------------------------
// Small helpers

function baseUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, "");
}

function normaliseFilter(filter: OpenDataFilter | undefined): OpenDataFilter {
  return { ...(filter?.call ? { call: filter.call } : {}), ...(filter?.funder ? { funder: filter.funder } : {}) };
}

function filterQuery(filter: OpenDataFilter): string {
  const params = new URLSearchParams();
  if (filter.call) params.set("call", filter.call);
  if (filter.funder) params.set("funder", filter.funder);
  const query = params.toString();
  return query ? `?${query}` : "";
}

// PocketBase writes "2024-06-14 10:00:00.000Z"; exports promise ISO 8601 with a "T".
function isoTimestamp(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value.trim().replace(" ", "T"));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function isoDateOrNull(value: string | null | undefined): string | null {
  const match = /^(\d{4}-\d{2}-\d{2})/.exec(value?.trim() ?? "");
  return match?.[1] ?? null;
}

/** A decision as the public may see it: the only input of the decision exports. */
export type PublicDecision = {
  id: string;
  slug: string;
  url: string;
  title: string;
  call: { slug: string; title: string; programme: string | null } | null;
  funder: { slug: string; name: string };
  applicant: {
    /** null when anonymised. */
    name: string | null;
    /** "a hospital in Flanders", or "an applicant". */
    descriptor: string;
    slug: string | null;
  };
  amountRequested: number | null;
  amountAwarded: number | null;
  currency: string;
  decision: "awarded" | "rejected" | "withdrawn" | "pending";
  decidedOn: string | null;
  rejectionReasons: string[];
  reasonText: string | null;
  /** The language of the title and reasons (en, fr, nl). */
  language: string;
  careSettings: string[];
  aiTypes: string[];
  publishedAt: string;
};
/** A funding call as the public may see it: the only input of the call exports. */
export type PublicCall = {
  slug: string;
  title: string;
  programme: string | null;
  description: string;
  budget: number | null;
  currency: string;
  opensOn: string | null;
  closesOn: string | null;
  url: string | null;
  funder: { slug: string; name: string };
};
/** Restricts an export to one call and/or one funder (by slug). */
export type OpenDataFilter = { call?: string; funder?: string };
/** What every export needs besides its data. */
export type ExportMeta = {
  /** The site's public origin, e.g. https://casebook.example. */
  publicUrl: string;
  generatedAt: Date | string;
  filter?: OpenDataFilter;
};
/** The files under /open-data/. */
export type OpenDataFile = "decisions.csv" | "decisions.json" | "calls.csv" | "calls.json" | "360giving.json" | "outcomes.csv" | "outcomes.json";
/** Restricts the outcomes exports to the case studies of one care setting and/or one AI technique (codes). */
export type OutcomesFilter = { careSetting?: string; aiType?: string };
/** What the outcomes exports need besides their data. */
export type OutcomesExportMeta = { publicUrl: string; generatedAt: Date | string; filter?: OutcomesFilter };
/** The body of outcomes.json. */
export type OutcomesExport = z.infer<typeof outcomesExportSchema>;
/** A value of a CSV cell; null is an empty cell. */
export type CsvValue = string | number | null | undefined;
/** One decision in decisions.json. */
export type DecisionItem = z.infer<typeof decisionItemSchema>;
/** One call in calls.json. */
export type CallItem = z.infer<typeof callItemSchema>;
/** The body of decisions.json. */
export type DecisionsExport = z.infer<typeof decisionsExportSchema>;
/** The body of calls.json. */
export type CallsExport = z.infer<typeof callsExportSchema>;
/** An organisation in a 360Giving grant. */
export type GrantOrganization = { id: string; name: string };
/** One 360Giving grant, with Casebook's `casebook` extension object. */
export type Grant = {
  id: string;
  title: string;
  description: string;
  currency: string;
  amountAppliedFor?: number;
  amountAwarded: number;
  awardDate: string;
  recipientOrganization: GrantOrganization[];
  fundingOrganization: GrantOrganization[];
  grantProgramme?: { code: string; title: string }[];
  fromOpenCall?: "Yes" | "No";
  classifications?: { vocabulary: string; code: string; title: string }[];
  url: string;
  dateModified: string;
  casebook: {
    decision: "awarded" | "rejected" | "withdrawn";
    rejectionReasons: string[];
    reasonText: string | null;
    anonymised: boolean;
    applicantDescriptor: string;
  };
};
/** A 360Giving data package (360-giving-package-schema.json). */
export type GrantPackage = {
  version: string;
  title: string;
  description: string;
  identifier: string;
  issued: string;
  modified: string;
  publisher: { name: string; website: string };
  license: string;
  accessURL: string;
  downloadURL: string;
  grants: Grant[];
};
