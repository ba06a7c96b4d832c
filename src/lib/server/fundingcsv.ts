// Bulk import of funding decisions: a funder uploads one CSV of the decisions of ONE call.
// The parser checks every row before anything is written and returns either every row,
// normalised and ready to write, or every error it found — never a mix — so that the
// caller can write all or nothing (docs/funding-csv.md).
//
// Files come from Excel far more often than from code, so the parser forgives what Excel
// does (`;` delimiters in Belgian locales, a UTF-8 byte order mark, `Title` instead of
// `title`, Belgian number and date formats, trailing empty cells) and refuses what would
// silently corrupt data (other encodings, ambiguous amounts, impossible dates). Error
// messages name the row and the column and say how to fix the cell, because the reader is
// a programme officer, not a developer.

import { parse } from "csv-parse/sync";
import { AI_TYPES, CARE_SETTINGS, LANGUAGES, ORG_KINDS, REGIONS, REJECTION_REASONS } from "../codelists.ts";
import type { AiType, CareSetting, Language, OrgKind, Region, RejectionReason } from "../codelists.ts";
import { say } from "../../i18n/domain.ts";

/** Most data rows one file may hold; larger calls are split over several uploads. */
export const MAX_ROWS = 5000;

/** Who applied: an organisation on Casebook, a named organisation outside it, or nobody named. */
export const APPLICANT_TYPES = ["platform", "outside", "anonymous"] as const;

/** Decisions a CSV may record; `pending` is not a decision and cannot be imported. */
export const CSV_DECISIONS = ["awarded", "rejected", "withdrawn"] as const;

/** Every column of the import file, in template order; the docs and the template come from this. */
export const CSV_COLUMNS = [
  {
    name: "title",
    required: true,
    format: "text, 8–300 characters",
    description: "Title of the project as applied for.",
  },
  {
    name: "applicant_type",
    required: true,
    format: "platform | outside | anonymous",
    description:
      "platform: the applicant is an organisation on Casebook; outside: a named organisation that is not on Casebook; anonymous: the applicant is not named at all.",
  },
  {
    name: "applicant",
    required: true,
    format: "name, slug or empty",
    description:
      "platform: the organisation's name as on Casebook (e.g. Soins à Domicile Val-de-Meuse) or its slug (soins-val-de-meuse); outside: the applicant's name (2–200 characters); anonymous: must be empty.",
  },
  {
    name: "applicant_region",
    required: false,
    format: REGIONS.join(" | "),
    description: 'Optional. Region of the applicant, used in the public descriptor when it is not named ("a hospital in Flanders").',
  },
  {
    name: "applicant_kind",
    required: false,
    format: ORG_KINDS.join(" | "),
    description: 'Optional. Kind of organisation, used in the public descriptor when the applicant is not named ("a hospital").',
  },
  {
    name: "amount_requested",
    required: true,
    format: "amount ≥ 0",
    description: "Amount applied for. 125000, 125 000, 125000,50, 125000.50 and 125.000,50 are accepted; see the amount rules.",
  },
  {
    name: "amount_awarded",
    required: false,
    format: "amount > 0 when awarded, otherwise empty or 0",
    description: "Amount awarded. Required when decision is awarded; at most amount_requested.",
  },
  {
    name: "currency",
    required: false,
    format: "ISO 4217 code, default EUR",
    description: "Three-letter currency code of both amounts. Empty means EUR.",
  },
  {
    name: "decision",
    required: true,
    format: CSV_DECISIONS.join(" | "),
    description: "The funder's decision on the application.",
  },
  {
    name: "decided_on",
    required: true,
    format: "YYYY-MM-DD or DD/MM/YYYY",
    description: "Date the decision was taken: a real calendar date, not in the future, not before 1990, not before the call opened.",
  },
  {
    name: "rejection_reasons",
    required: false,
    format: "codes separated by |",
    description: `At least one when decision is rejected; must be empty otherwise. Codes: ${REJECTION_REASONS.join(", ")}.`,
  },
  {
    name: "reason_text",
    required: false,
    format: "text, at most 2,000 characters",
    description: "Optional. The reasons in the funder's own words, as the applicant received them.",
  },
  {
    name: "feedback",
    required: false,
    format: "Markdown, at most 20,000 characters",
    description: "Optional. Advice to future applicants: what would have made the application succeed.",
  },
  {
    name: "language",
    required: false,
    format: LANGUAGES.join(" | "),
    description: "Optional. Language of the title, reasons and feedback. Empty means the interface language of the person importing.",
  },
  {
    name: "consent_obtained",
    required: false,
    format: "yes | no, default no",
    description:
      "Outside applicants only: yes if the applicant agreed to be named with its refusal or withdrawal. Without it such a row is published anonymised; awards are always named.",
  },
  {
    name: "care_settings",
    required: false,
    format: "codes separated by |",
    description: `Optional. Codes: ${CARE_SETTINGS.join(", ")}.`,
  },
  {
    name: "ai_types",
    required: false,
    format: "codes separated by |",
    description: `Optional. Codes: ${AI_TYPES.join(", ")}.`,
  },
] as const satisfies readonly CsvColumn[];

/** The message for a decision dated before its call opened (CSV and form alike). */
export function decidedBeforeOpening(decidedOn: string, opensOn: string): string {
  return say("domain.funding.decided_before_opening", { decided: decidedOn, opens: opensOn });
}

/** Parses and validates a decisions CSV; any error anywhere means no rows at all. */
export function parseDecisionsCsv(input: Uint8Array | string, options: ParseDecisionsOptions = {}): ParseDecisionsResult {
  const decoded = decode(input);
  if (!decoded.ok) return { ok: false, errors: [decoded.error] };
  const text = decoded.text;
  if (text.trim() === "") {
    return { ok: false, errors: [fileError(say("domain.csv.empty"))] };
  }

  let records: string[][];
  try {
    records = parse(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      // Excel leaves a stray quote unescaped now and then ("the "smart" bed"); keeping it
      // as text is what the author meant.
      relax_quotes: true,
      skip_empty_lines: false,
    });
  } catch (error) {
    return { ok: false, errors: [fileError(describeCsvError(error))] };
  }

  const [headerRecord = [], ...body] = records;
  const header = readHeader(headerRecord, body);
  if (!header.ok) return { ok: false, errors: header.errors };

  // Data row numbers count every record after the header, blank ones included, so that
  // "row 7" is line 8 of the spreadsheet whatever sits between.
  const dataRows = body.map((cells, index) => ({ row: index + 1, cells })).filter(({ cells }) => cells.some((cell) => cell.trim() !== ""));
  if (dataRows.length === 0) {
    return { ok: false, errors: [fileError(say("domain.csv.no_rows"))] };
  }
  if (dataRows.length > MAX_ROWS) {
    return {
      ok: false,
      errors: [fileError(say("domain.csv.too_many_rows", { rows: dataRows.length, max: MAX_ROWS }))],
    };
  }

  const context: RowContext = {
    organizations: indexOrganizations(options.knownOrganizations ?? []),
    today: options.today ?? todayInBrussels(),
    opensOn: options.opensOn ?? null,
  };
  const errors: RowError[] = [];
  const rows: DecisionRow[] = [];
  const keys: { row: number; key: string }[] = [];
  for (const { row, cells } of dataRows) {
    const result = validateRow(row, cells, header.columns, context);
    errors.push(...result.errors);
    if (result.key) keys.push({ row, key: result.key });
    if (result.value) rows.push(result.value);
  }
  errors.push(...duplicateErrors(keys));

  if (errors.length > 0) {
    const order = new Map<string, number>(CSV_COLUMNS.map((column, index) => [column.name, index]));
    errors.sort((a, b) => a.row - b.row || (order.get(a.column ?? "") ?? -1) - (order.get(b.column ?? "") ?? -1));
    return { ok: false, errors };
  }
  return { ok: true, rows };
}

/** The header row plus two example rows, for the "download a template" link. */
export function decisionsCsvTemplate(options: { delimiter?: "," | ";" } = {}): string {
  const delimiter = options.delimiter ?? ",";
  const examples: Record<CsvColumnName, string>[] = [
    {
      title: "Fall-risk prediction for home-care visits",
      applicant_type: "platform",
      applicant: "soins-val-de-meuse",
      applicant_region: "wallonia",
      applicant_kind: "home_care",
      amount_requested: "180000",
      amount_awarded: "150000",
      currency: "EUR",
      decision: "awarded",
      decided_on: "2024-06-14",
      rejection_reasons: "",
      reason_text: "",
      feedback: "The evaluation plan was agreed with the nurses before the application.",
      language: "en",
      consent_obtained: "no",
      care_settings: "home_care",
      ai_types: "predictive_model",
    },
    {
      title: "Speech-to-text for night-shift handovers",
      applicant_type: "outside",
      applicant: "Zorggroep Voorbeeld vzw",
      applicant_region: "flanders",
      applicant_kind: "care_home",
      amount_requested: "95000",
      amount_awarded: "",
      currency: "EUR",
      decision: "rejected",
      decided_on: "2024-06-14",
      rejection_reasons: "data_governance|evaluation_plan",
      reason_text: "No data protection impact assessment; no baseline measurement of handover time.",
      feedback: "Start the DPIA early and measure the current handover time before applying.",
      language: "en",
      consent_obtained: "no",
      care_settings: "care_home",
      ai_types: "speech|llm",
    },
  ];
  const names = CSV_COLUMNS.map((column) => column.name);
  const lines = [names, ...examples.map((example) => names.map((name) => example[name]))];
  return lines.map((cells) => cells.map((cell) => quoteTemplateCell(cell, delimiter)).join(delimiter)).join("\r\n") + "\r\n";
}

/** The column table of docs/funding-csv.md, as Markdown; a unit test keeps the doc equal to it. */
export function csvColumnsMarkdownTable(): string {
  const escapePipes = (text: string) => text.replace(/\|/g, "\\|");
  const lines = ["| column | required column | format | meaning |", "|---|---|---|---|"];
  for (const column of CSV_COLUMNS) {
    lines.push(`| \`${column.name}\` | ${column.required ? "yes" : "no"} | ${escapePipes(column.format)} | ${escapePipes(column.description)} |`);
  }
  return lines.join("\n");
}

/** Reads an amount as a funder's spreadsheet writes it (see docs/funding-csv.md, "Amounts"). */
export function parseAmount(raw: string): { ok: true; value: number } | { ok: false; message: string } {
  const input = raw.trim();
  if (/^[-−]/.test(input)) return { ok: false, message: say("domain.csv.amount_negative", { raw }) };
  let s = input;
  // Spaces (including the no-break spaces Excel uses in fr-BE) may only group thousands.
  if (/[ \u00A0\u202F]/.test(s)) {
    if (!/^\d{1,3}([ \u00A0\u202F]\d{3})+([.,]\d{1,2})?$/.test(s)) return { ok: false, message: say("domain.csv.amount_not_number", { raw }) };
    s = s.replace(/[ \u00A0\u202F]/g, "");
  }
  let normalised: string | null = null;
  if (/^\d+$/.test(s)) normalised = s;
  else if (/^\d{1,3}[.,]\d{3}$/.test(s)) {
    // "125.000" is 125 thousand in Belgium and 125 in English: refuse rather than guess.
    return {
      ok: false,
      message: say("domain.csv.amount_ambiguous", { raw }),
    };
  } else if (/^\d+[.,]\d{1,2}$/.test(s)) normalised = s.replace(",", ".");
  else if (/^\d{1,3}(\.\d{3})+(,\d{1,2})?$/.test(s)) normalised = s.replace(/\./g, "").replace(",", ".");
  else if (/^\d{1,3}(,\d{3})+(\.\d{1,2})?$/.test(s)) normalised = s.replace(/,/g, "");
  if (normalised === null) {
    if (/^[\d.,]+$/.test(s) && /[.,]\d{3,}$/.test(s)) {
      return { ok: false, message: say("domain.csv.amount_decimals", { raw }) };
    }
    return { ok: false, message: say("domain.csv.amount_symbol", { raw }) };
  }
  const value = Number(normalised);
  if (!Number.isFinite(value) || value > 1e12) return { ok: false, message: say("domain.csv.amount_implausible", { raw }) };
  return { ok: true, value };
}

/** Reads a decision date: YYYY-MM-DD or DD/MM/YYYY, a real date, not in the future. */
export function parseDecisionDate(raw: string, today: string): { ok: true; value: string } | { ok: false; message: string } {
  const input = raw.trim();
  let parts: [number, number, number] | null = null;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(input);
  const european = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(input);
  if (iso) parts = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else if (european) parts = [Number(european[3]), Number(european[2]), Number(european[1])];
  if (!parts) return { ok: false, message: say("domain.csv.date_format", { raw }) };
  const [year, month, day] = parts;
  if (month < 1 || month > 12) return { ok: false, message: say("domain.csv.date_month", { raw, month }) };
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) {
    return { ok: false, message: say("domain.csv.date_day", { raw, month: String(month), year, days }) };
  }
  const value = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  if (year < 1990) return { ok: false, message: say("domain.csv.date_old", { raw }) };
  if (value > today) return { ok: false, message: say("domain.csv.date_future", { raw }) };
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------
// Reading the file

function decode(input: Uint8Array | string): { ok: true; text: string } | { ok: false; error: RowError } {
  if (typeof input === "string") return { ok: true, text: input.replace(/^\uFEFF/, "") };
  if (input.length === 0) return { ok: false, error: fileError(say("domain.csv.empty")) };
  try {
    // fatal: a Windows-1252 "é" (0xE9) must stop the import, not turn into "�" in
    // published data. The decoder drops a UTF-8 byte order mark by itself.
    return { ok: true, text: new TextDecoder("utf-8", { fatal: true }).decode(input) };
  } catch {
    return {
      ok: false,
      error: fileError(say("domain.csv.not_utf8")),
    };
  }
}

// Belgian Excel writes `;`, everything else `,`: whichever occurs more often in the header
// line (outside quotes) wins. A header never legitimately contains either.
function detectDelimiter(text: string): "," | ";" {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\n" || char === "\r")) break;
    else if (!quoted && char === ";") semicolons++;
    else if (!quoted && char === ",") commas++;
  }
  return semicolons > commas ? ";" : ",";
}

function describeCsvError(error: unknown): string {
  const line = typeof error === "object" && error !== null && "lines" in error ? Number(error.lines) : NaN;
  const at = Number.isFinite(line);
  // The parser's own detail stays as it words it (English): it names what it met, for whoever reads the file.
  const detail = error instanceof Error ? error.message : String(error);
  if (typeof error === "object" && error !== null && "code" in error && error.code === "CSV_QUOTE_NOT_CLOSED") {
    return at ? say("domain.csv.quote_not_closed_at", { line }) : say("domain.csv.quote_not_closed");
  }
  return at ? say("domain.csv.unreadable_at", { line, detail }) : say("domain.csv.unreadable", { detail });
}

function readHeader(cells: string[], body: string[][]): { ok: true; columns: (CsvColumnName | null)[] } | { ok: false; errors: RowError[] } {
  const known = new Set<string>(CSV_COLUMNS.map((column) => column.name));
  const columns: (CsvColumnName | null)[] = [];
  const seen = new Set<string>();
  const unknown: string[] = [];
  const errors: RowError[] = [];
  cells.forEach((cell, index) => {
    const name = normaliseHeader(cell);
    if (name === "") {
      // Excel often exports trailing empty header cells; harmless unless data sits under them.
      if (body.some((record) => (record[index] ?? "").trim() !== "")) {
        errors.push(fileError(say("domain.csv.column_unnamed", { column: index + 1 })));
      }
      columns.push(null);
      return;
    }
    if (!known.has(name)) {
      unknown.push(cell.trim());
      columns.push(null);
      return;
    }
    if (seen.has(name)) errors.push({ row: 0, column: name, message: say("domain.csv.column_twice", { name }) });
    seen.add(name);
    columns.push(name as CsvColumnName);
  });
  if (unknown.length > 0) {
    errors.push(
      fileError(
        say("domain.csv.columns_unknown", {
          unknown: unknown.map((name) => `"${name}"`).join(", "),
          allowed: CSV_COLUMNS.map((column) => column.name).join(", "),
        }),
      ),
    );
  }
  for (const column of CSV_COLUMNS) {
    if (column.required && !seen.has(column.name)) {
      errors.push({ row: 0, column: column.name, message: say("domain.csv.column_missing", { name: column.name }) });
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, columns };
}

// "Amount Requested" and "amount-requested" are what people type when they retype a header.
function normaliseHeader(cell: string): string {
  return cell
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

// ---------------------------------------------------------------------------------------
// Validating one row

function validateRow(
  row: number,
  cells: string[],
  columns: (CsvColumnName | null)[],
  context: RowContext,
): { errors: RowError[]; value: DecisionRow | null; key: string | null } {
  const errors: RowError[] = [];
  const fail = (column: CsvColumnName | null, message: string) => errors.push({ row, column, message });

  const values = new Map<CsvColumnName, string>();
  cells.forEach((cell, index) => {
    const column = columns[index];
    if (column) values.set(column, cell.trim());
  });
  const extra = cells.slice(columns.length).filter((cell) => cell.trim() !== "");
  if (extra.length > 0) {
    fail(null, say("domain.csv.cells", { cells: cells.length, columns: columns.length }));
  }
  const get = (column: CsvColumnName): string => values.get(column) ?? "";

  const title = get("title").replace(/\s+/g, " ");
  const titleLength = [...title].length;
  if (title === "") fail("title", say("domain.csv.title_missing"));
  else if (titleLength < 8) fail("title", say("domain.csv.title_short", { length: titleLength }));
  else if (titleLength > 300) fail("title", say("domain.csv.title_long", { length: titleLength }));

  const applicantType = oneOf(get("applicant_type").toLowerCase(), APPLICANT_TYPES);
  if (!applicantType) fail("applicant_type", expected(get("applicant_type"), APPLICANT_TYPES));

  const applicant = get("applicant");
  let applicantSlug: string | null = null;
  let applicantName: string | null = null;
  let applicantKey: string | null = null;
  if (applicantType === "platform") {
    // People know organisations by name; the slug is accepted too (older files, exports).
    const org = context.organizations.bySlug.get(applicant.toLowerCase()) ?? context.organizations.byName.get(applicant.replace(/\s+/g, " ").toLowerCase());
    if (applicant === "") fail("applicant", say("domain.csv.applicant_missing"));
    else if (!org) {
      fail("applicant", say("domain.csv.applicant_unknown", { applicant }));
    } else {
      applicantSlug = org.slug;
      applicantKey = `platform:${org.slug}`;
    }
  } else if (applicantType === "outside") {
    const name = applicant.replace(/\s+/g, " ");
    if (name === "") fail("applicant", say("domain.csv.outside_name_missing"));
    else if ([...name].length < 2 || [...name].length > 200) fail("applicant", say("domain.csv.outside_name_length"));
    else {
      applicantName = name;
      applicantKey = `outside:${name.toLowerCase()}`;
    }
  } else if (applicantType === "anonymous") {
    if (applicant !== "") fail("applicant", say("domain.csv.anonymous_named"));
    else applicantKey = "anonymous";
  }

  const applicantRegion = optionalCode(get("applicant_region"), REGIONS, "applicant_region", fail);
  const applicantKind = optionalCode(get("applicant_kind"), ORG_KINDS, "applicant_kind", fail);

  const decision = oneOf(get("decision").toLowerCase(), CSV_DECISIONS);
  if (!decision)
    fail(
      "decision",
      get("decision") === "" ? say("domain.csv.decision_missing", { allowed: CSV_DECISIONS.join(", ") }) : expected(get("decision"), CSV_DECISIONS),
    );

  let amountRequested: number | null = null;
  if (get("amount_requested") === "") fail("amount_requested", say("domain.csv.amount_requested_missing"));
  else {
    const parsed = parseAmount(get("amount_requested"));
    if (parsed.ok) amountRequested = parsed.value;
    else fail("amount_requested", parsed.message);
  }

  let amountAwarded: number | null = null;
  const awardedRaw = get("amount_awarded");
  const awardedParsed = awardedRaw === "" ? null : parseAmount(awardedRaw);
  if (awardedParsed && !awardedParsed.ok) fail("amount_awarded", awardedParsed.message);
  else if (decision === "awarded") {
    if (!awardedParsed || awardedParsed.value === 0) fail("amount_awarded", say("domain.csv.awarded_required"));
    else if (amountRequested !== null && awardedParsed.value > amountRequested) {
      fail("amount_awarded", say("domain.csv.awarded_too_much", { awarded: String(awardedParsed.value), requested: String(amountRequested) }));
    } else amountAwarded = awardedParsed.value;
  } else if (decision && awardedParsed && awardedParsed.value !== 0) {
    fail("amount_awarded", say("domain.csv.awarded_not_empty", { decision }));
  }

  const currencyRaw = get("currency").toUpperCase();
  const currency = currencyRaw === "" ? "EUR" : currencyRaw;
  if (!/^[A-Z]{3}$/.test(currency) || !CURRENCIES.has(currency)) {
    fail("currency", say("domain.csv.currency", { raw: get("currency") }));
  }

  let decidedOn: string | null = null;
  if (get("decided_on") === "") fail("decided_on", say("domain.csv.date_missing"));
  else {
    const parsed = parseDecisionDate(get("decided_on"), context.today);
    if (!parsed.ok) fail("decided_on", parsed.message);
    else if (context.opensOn && parsed.value < context.opensOn) fail("decided_on", decidedBeforeOpening(parsed.value, context.opensOn));
    else decidedOn = parsed.value;
  }

  const rejectionReasons = codeList(get("rejection_reasons"), REJECTION_REASONS, "rejection_reasons", fail);
  const hasReasons = get("rejection_reasons")
    .split("|")
    .some((code) => code.trim() !== "");
  if (decision === "rejected" && !hasReasons) {
    fail("rejection_reasons", say("domain.csv.reasons_required", { allowed: REJECTION_REASONS.join(", ") }));
  } else if (decision && decision !== "rejected" && hasReasons) {
    fail("rejection_reasons", say("domain.csv.reasons_not_empty", { decision }));
  }

  const reasonText = optionalText(get("reason_text"), 2000, "reason_text", fail);
  // Markdown: keep the author's line breaks and indentation, only trim the ends.
  const feedback = optionalText(values.get("feedback") ?? "", 20000, "feedback", fail);
  const language = optionalCode(get("language"), LANGUAGES, "language", fail);

  const consentRaw = get("consent_obtained").toLowerCase();
  let consentObtained = false;
  if (consentRaw === "yes") consentObtained = true;
  else if (consentRaw !== "" && consentRaw !== "no") fail("consent_obtained", expected(get("consent_obtained"), ["yes", "no"]));
  if (consentObtained && applicantType && applicantType !== "outside") {
    fail("consent_obtained", applicantType === "platform" ? say("domain.csv.consent_platform") : say("domain.csv.consent_anonymous"));
  }

  const careSettings = codeList(get("care_settings"), CARE_SETTINGS, "care_settings", fail);
  const aiTypes = codeList(get("ai_types"), AI_TYPES, "ai_types", fail);

  const key = applicantKey !== null && decidedOn !== null && title !== "" ? `${title.toLowerCase()}\u0000${applicantKey}\u0000${decidedOn}` : null;
  if (errors.length > 0 || !applicantType || !decision || amountRequested === null || decidedOn === null) {
    return { errors, value: null, key };
  }
  return {
    errors,
    key,
    value: {
      row,
      title,
      applicantType,
      applicantSlug,
      applicantName,
      applicantRegion,
      applicantKind,
      amountRequested,
      amountAwarded,
      currency,
      decision,
      decidedOn,
      rejectionReasons,
      reasonText,
      feedback,
      language,
      consentObtained,
      careSettings,
      aiTypes,
      disclosure: disclosureOf(applicantType, decision, consentObtained),
    },
  };
}

// Who may be named publicly (docs/funding-csv.md, "Consent"); the same rule as
// recordDecisions in funding.ts. Awards are public anyway; refusals and withdrawals are the
// sensitive case: an organisation on Casebook decides itself, an outside one only through
// the funder.
function disclosureOf(type: ApplicantType, decision: CsvDecision, consent: boolean): Disclosure {
  if (type === "anonymous") return "anonymised";
  if (decision === "awarded") return "named";
  if (type === "outside") return consent ? "named" : "anonymised";
  return "awaiting_consent";
}

function duplicateErrors(keys: { row: number; key: string }[]): RowError[] {
  const groups = new Map<string, number[]>();
  for (const { row, key } of keys) groups.set(key, [...(groups.get(key) ?? []), row]);
  const errors: RowError[] = [];
  for (const rows of groups.values()) {
    if (rows.length < 2) continue;
    for (const row of rows) {
      const others = rows.filter((other) => other !== row);
      errors.push({
        row,
        column: null,
        message: say("domain.csv.duplicate", { count: others.length, rows: others.join(", ") }),
      });
    }
  }
  return errors;
}

function optionalCode<T extends string>(
  raw: string,
  allowed: readonly T[],
  column: CsvColumnName,
  fail: (column: CsvColumnName, message: string) => void,
): T | null {
  if (raw === "") return null;
  const value = oneOf(raw.toLowerCase(), allowed);
  if (!value) fail(column, expected(raw, allowed));
  return value;
}

function codeList<T extends string>(raw: string, allowed: readonly T[], column: CsvColumnName, fail: (column: CsvColumnName, message: string) => void): T[] {
  const codes = raw
    .split("|")
    .map((code) => code.trim().toLowerCase())
    .filter((code) => code !== "");
  const unknown = codes.filter((code) => !oneOf(code, allowed));
  if (unknown.length > 0) {
    fail(column, say("domain.csv.codes_unknown", { count: unknown.length, codes: unknown.map((code) => `"${code}"`).join(", "), allowed: allowed.join(", ") }));
    return [];
  }
  return [...new Set(codes)] as T[];
}

function optionalText(raw: string, max: number, column: CsvColumnName, fail: (column: CsvColumnName, message: string) => void): string | null {
  const text = raw.trim();
  if (text === "") return null;
  const length = [...text].length;
  if (length > max) fail(column, say("domain.csv.text_long", { length, max }));
  return text;
}

function oneOf<T extends string>(value: string, allowed: readonly T[]): T | null {
  return (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function expected(raw: string, allowed: readonly string[]): string {
  return raw === "" ? say("domain.csv.expected_missing", { allowed: allowed.join(", ") }) : say("domain.csv.expected", { raw, allowed: allowed.join(", ") });
}

function fileError(message: string): RowError {
  return { row: 0, column: null, message };
}

function indexOrganizations(orgs: readonly { slug: string; name: string }[]): RowContext["organizations"] {
  return {
    bySlug: new Map(orgs.map((org) => [org.slug.toLowerCase(), org])),
    byName: new Map(orgs.map((org) => [org.name.trim().toLowerCase(), org])),
  };
}

// "Today" is Belgian: a decision taken this morning in Brussels is not in the future at
// 00:30 local time, when UTC still says yesterday.
function todayInBrussels(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Brussels", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function quoteTemplateCell(cell: string, delimiter: string): string {
  return /["\r\n]/.test(cell) || cell.includes(delimiter) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

// ICU's list is the ISO 4217 list of currencies in use; `[A-Z]{3}` alone would let "EUE" through.
const CURRENCIES = new Set<string>(Intl.supportedValuesOf("currency"));

type RowContext = {
  organizations: { bySlug: Map<string, { slug: string; name: string }>; byName: Map<string, { slug: string; name: string }> };
  today: string;
  opensOn: string | null;
};

/** One column of the import file, as documented. */
export type CsvColumn = { name: string; required: boolean; format: string; description: string };
/** The name of an import column. */
export type CsvColumnName = (typeof CSV_COLUMNS)[number]["name"];
/** Kinds of applicant in the import file. */
export type ApplicantType = (typeof APPLICANT_TYPES)[number];
/** Decisions the import file may record. */
export type CsvDecision = (typeof CSV_DECISIONS)[number];
/** What may be published about the applicant: its name, only a descriptor, or nothing until it consents. */
export type Disclosure = "named" | "anonymised" | "awaiting_consent";
/** Options of parseDecisionsCsv. */
export type ParseDecisionsOptions = {
  /** Organisations on Casebook that `platform` rows may name; none when omitted. */
  knownOrganizations?: readonly { slug: string; name: string }[];
  /** Today's date (YYYY-MM-DD) for the "not in the future" check; defaults to today in Brussels. */
  today?: string;
  /** The call's opening date (YYYY-MM-DD): decisions dated before it are refused. */
  opensOn?: string | null;
};
/** A problem found in the file; row 0 is the file itself, data rows count from 1. */
export type RowError = { row: number; column: string | null; message: string };
/** A validated row, normalised and ready to write. */
export type DecisionRow = {
  /** The data row it came from (1-based, header excluded). */
  row: number;
  title: string;
  applicantType: ApplicantType;
  /** The Casebook slug, for platform applicants only. */
  applicantSlug: string | null;
  /** The name, for outside applicants only; private unless `disclosure` is "named". */
  applicantName: string | null;
  applicantRegion: Region | null;
  applicantKind: OrgKind | null;
  amountRequested: number;
  /** More than 0 when awarded, null otherwise. */
  amountAwarded: number | null;
  currency: string;
  decision: CsvDecision;
  /** YYYY-MM-DD. */
  decidedOn: string;
  rejectionReasons: RejectionReason[];
  reasonText: string | null;
  feedback: string | null;
  /** The language of the texts; null means the importer's interface language. */
  language: Language | null;
  consentObtained: boolean;
  careSettings: CareSetting[];
  aiTypes: AiType[];
  disclosure: Disclosure;
};
/** The outcome of parseDecisionsCsv: every row, or every error. */
export type ParseDecisionsResult = { ok: true; rows: DecisionRow[] } | { ok: false; errors: RowError[] };
