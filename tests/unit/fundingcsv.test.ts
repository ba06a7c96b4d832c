import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, MAX_ROWS, csvColumnsMarkdownTable, decisionsCsvTemplate, parseAmount, parseDecisionsCsv } from "../../src/lib/server/fundingcsv.ts";
import type { CsvColumnName, ParseDecisionsResult, RowError } from "../../src/lib/server/fundingcsv.ts";

// Fixed "today" so that the future-date check does not drift with the calendar.
const TODAY = "2025-06-30";
// Slugs of the demo organisations (content/demo/organizations.json).
const ORGS = [
  { slug: "soins-val-de-meuse", name: "Soins à Domicile Val-de-Meuse" },
  { slug: "residences-linde-tilleul", name: "Woonzorggroep Linde – Résidences Tilleul" },
];
const OPTIONS = { knownOrganizations: ORGS, today: TODAY };
const COLUMNS = CSV_COLUMNS.map((column) => column.name);

type Cells = Partial<Record<CsvColumnName, string>>;

// A valid refusal; each case changes only what it tests.
const REFUSAL: Record<CsvColumnName, string> = {
  title: "Triage assistant for the emergency department",
  applicant_type: "platform",
  applicant: "soins-val-de-meuse",
  applicant_region: "wallonia",
  applicant_kind: "home_care",
  amount_requested: "100000",
  amount_awarded: "",
  currency: "EUR",
  decision: "rejected",
  decided_on: "2025-05-01",
  rejection_reasons: "eligibility",
  reason_text: "Not led by a care provider.",
  feedback: "",
  language: "",
  consent_obtained: "no",
  care_settings: "emergency",
  ai_types: "nlp",
};
// An award, without a title so that cases can spread it into rows of their own.
const AWARDED: Cells = { decision: "awarded", amount_awarded: "80000", rejection_reasons: "", reason_text: "" };
const AWARD: Cells = { title: "Night-shift scheduling optimiser", ...AWARDED };

function quote(cell: string, delimiter: string): string {
  return /["\r\n]/.test(cell) || cell.includes(delimiter) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

function csv(rows: Cells[], delimiter = ",", columns: readonly string[] = COLUMNS): string {
  const lines = [columns.join(delimiter)];
  for (const row of rows) {
    const full: Record<string, string> = { ...REFUSAL, ...row };
    lines.push(columns.map((name) => quote(full[name] ?? "", delimiter)).join(delimiter));
  }
  return lines.join("\r\n") + "\r\n";
}

function errorsOf(result: ParseDecisionsResult): RowError[] {
  if (result.ok) throw new Error(`expected errors, got ${result.rows.length} rows`);
  expect(result).not.toHaveProperty("rows");
  return result.errors;
}

describe("parseDecisionsCsv: row errors", () => {
  // [case, cells of row 2 (row 1 is always valid), column, message pattern]
  const cases: [string, Cells, CsvColumnName | null, RegExp][] = [
    ["impossible day", { decided_on: "31/02/2024" }, "decided_on", /not a real date: February 2024 has 29 days/],
    ["impossible month", { decided_on: "2024-13-01" }, "decided_on", /not a real date: there is no month 13/],
    ["not a date", { decided_on: "yesterday" }, "decided_on", /"yesterday" is not a date: write YYYY-MM-DD .* or DD\/MM\/YYYY/],
    ["future date", { decided_on: "2025-07-01" }, "decided_on", /in the future/],
    ["future date, day first", { decided_on: "01/07/2025" }, "decided_on", /in the future/],
    ["implausibly old date", { decided_on: "0224-05-01" }, "decided_on", /before 1990/],
    ["missing date", { decided_on: "" }, "decided_on", /date is missing/],
    [
      "unknown rejection reason",
      { rejection_reasons: "eligibility|too_expensive" },
      "rejection_reasons",
      /Unknown code "too_expensive"\. Allowed: eligibility/,
    ],
    ["refusal without reasons", { rejection_reasons: "" }, "rejection_reasons", /At least one reason is required when decision is rejected/],
    ["refusal with only separators", { rejection_reasons: " | " }, "rejection_reasons", /At least one reason is required/],
    ["negative amount", { amount_requested: "-100" }, "amount_requested", /negative/],
    ["non-numeric amount", { amount_requested: "lots" }, "amount_requested", /"lots" is not a number/],
    ["currency symbol in amount", { amount_requested: "€ 100000" }, "amount_requested", /is not a number/],
    ["ambiguous thousands", { amount_requested: "125.000" }, "amount_requested", /ambiguous/],
    ["more than two decimals", { amount_requested: "100000,505" }, "amount_requested", /more than two decimals/],
    ["missing amount", { amount_requested: "" }, "amount_requested", /amount requested is missing/],
    ["negative award", { ...AWARDED, amount_awarded: "-5" }, "amount_awarded", /negative/],
    ["award without amount", { ...AWARDED, amount_awarded: "" }, "amount_awarded", /Required when decision is awarded/],
    ["award of 0", { ...AWARDED, amount_awarded: "0" }, "amount_awarded", /Required when decision is awarded, and more than 0/],
    ["award above request", { ...AWARDED, amount_awarded: "100000,01" }, "amount_awarded", /more than the amount requested/],
    ["amount awarded on a refusal", { amount_awarded: "5000" }, "amount_awarded", /Must be empty or 0 when decision is rejected/],
    ["reasons on an award", { ...AWARDED, rejection_reasons: "competition" }, "rejection_reasons", /Must be empty when decision is awarded/],
    ["reasons on a withdrawal", { decision: "withdrawn" }, "rejection_reasons", /Must be empty when decision is withdrawn/],
    ["unknown platform slug", { applicant: "az-nergens" }, "applicant", /No organisation called "az-nergens" \(name or slug\) is on Casebook/],
    ["unknown platform name", { applicant: "AZ Nergens" }, "applicant", /No organisation called "AZ Nergens" \(name or slug\)/],
    ["unknown language", { language: "de" }, "language", /"de" is not allowed: write one of en, fr, nl/],
    ["platform without slug", { applicant: "" }, "applicant", /applicant is missing/],
    ["outside without name", { applicant_type: "outside", applicant: "" }, "applicant", /name is missing/],
    ["anonymous with a name", { applicant_type: "anonymous", applicant: "AZ Geheim" }, "applicant", /Must be empty for anonymous applicants/],
    ["unknown applicant type", { applicant_type: "member" }, "applicant_type", /"member" is not allowed: write one of platform, outside, anonymous/],
    ["unknown region", { applicant_region: "limburg" }, "applicant_region", /"limburg" is not allowed/],
    ["unknown organisation kind", { applicant_kind: "startup" }, "applicant_kind", /"startup" is not allowed/],
    ["pending is not a decision", { decision: "pending" }, "decision", /"pending" is not allowed: write one of awarded, rejected, withdrawn/],
    ["missing decision", { decision: "" }, "decision", /decision is missing/],
    ["bad currency", { currency: "EURO" }, "currency", /not an ISO 4217 currency code/],
    ["made-up currency", { currency: "EUE" }, "currency", /not an ISO 4217 currency code/],
    ["consent for a platform applicant", { consent_obtained: "yes" }, "consent_obtained", /Only for outside applicants/],
    ["consent for an anonymous applicant", { applicant_type: "anonymous", applicant: "", consent_obtained: "yes" }, "consent_obtained", /cannot be named/],
    [
      "consent neither yes nor no",
      { applicant_type: "outside", applicant: "Kliniek Voorbeeld", consent_obtained: "ja" },
      "consent_obtained",
      /"ja" is not allowed: write one of yes, no/,
    ],
    ["title too short", { title: "Chatbot" }, "title", /7 characters long; it needs at least 8/],
    ["title too long", { title: "x".repeat(301) }, "title", /at most 300/],
    ["missing title", { title: "" }, "title", /title is missing/],
    ["unknown care setting", { care_settings: "hospital|icu" }, "care_settings", /Unknown code "icu"/],
    ["unknown AI type", { ai_types: "deep_learning" }, "ai_types", /Unknown code "deep_learning"/],
    ["reason text too long", { reason_text: "y".repeat(2001) }, "reason_text", /at most 2,000/],
  ];

  it.each(cases)("%s", (_name, cells, column, message) => {
    const errors = errorsOf(parseDecisionsCsv(csv([AWARD, { title: "Second application of the file", ...cells }]), OPTIONS));
    expect(errors.every((error) => error.row === 2)).toBe(true);
    expect(errors).toContainEqual({ row: 2, column, message: expect.stringMatching(message) });
  });

  it("reports an unquoted delimiter as extra cells on that row", () => {
    const text = csv([AWARD, REFUSAL]).replace("Not led by a care provider.", "Not led, by a care provider.");
    const errors = errorsOf(parseDecisionsCsv(text, OPTIONS));
    expect(errors).toContainEqual({ row: 2, column: null, message: expect.stringMatching(/18 cells but the header has 17 columns/) });
  });

  it("counts blank records in row numbers so that row N is spreadsheet line N+1", () => {
    const lines = csv([AWARD, { decided_on: "yesterday" }]).split("\r\n");
    const text = [lines[0], lines[1], "", ",,,,,,,,,,,,,,,", lines[2], ""].join("\r\n");
    const errors = errorsOf(parseDecisionsCsv(text, OPTIONS));
    expect(errors).toEqual([{ row: 4, column: "decided_on", message: expect.stringMatching(/not a date/) }]);
  });

  it("reports every error of a row, in column order", () => {
    const errors = errorsOf(parseDecisionsCsv(csv([{ title: "short", amount_requested: "x", decided_on: "2024-02-30" }]), OPTIONS));
    expect(errors.map((error) => [error.row, error.column])).toEqual([
      [1, "title"],
      [1, "amount_requested"],
      [1, "decided_on"],
    ]);
  });
});

describe("parseDecisionsCsv: duplicates", () => {
  it("reports both rows of a duplicate pair", () => {
    const errors = errorsOf(parseDecisionsCsv(csv([REFUSAL, AWARD, REFUSAL]), OPTIONS));
    expect(errors).toEqual([
      { row: 1, column: null, message: "Duplicate of row 3: same title, applicant and decided_on." },
      { row: 3, column: null, message: "Duplicate of row 1: same title, applicant and decided_on." },
    ]);
  });

  it("compares normalised values: title case and spacing, slug case, date format", () => {
    const twin = { title: "  TRIAGE assistant for the  emergency department ", applicant: "Soins-Val-De-Meuse", decided_on: "01/05/2025" };
    const errors = errorsOf(parseDecisionsCsv(csv([REFUSAL, twin]), OPTIONS));
    expect(errors.map((error) => error.row)).toEqual([1, 2]);
  });

  it("lists every other row of a larger group", () => {
    const errors = errorsOf(parseDecisionsCsv(csv([REFUSAL, REFUSAL, AWARD, REFUSAL]), OPTIONS));
    expect(errors.map((error) => `${error.row}: ${error.message}`)).toEqual([
      "1: Duplicate of rows 2, 4: same title, applicant and decided_on.",
      "2: Duplicate of rows 1, 4: same title, applicant and decided_on.",
      "4: Duplicate of rows 1, 2: same title, applicant and decided_on.",
    ]);
  });

  it("does not treat the same project by another applicant or on another date as a duplicate", () => {
    const result = parseDecisionsCsv(csv([REFUSAL, { applicant: "residences-linde-tilleul" }, { decided_on: "2025-05-02" }]), OPTIONS);
    expect(result.ok).toBe(true);
  });
});

describe("parseDecisionsCsv: file errors (row 0)", () => {
  const windows1252 = new Uint8Array([
    ...new TextEncoder().encode(`${COLUMNS.join(";")}\r\nCaf`),
    0xe9,
    ...new TextEncoder().encode(" numérique;platform\r\n"),
  ]);
  const cases: [string, Uint8Array | string, (string | null)[], RegExp][] = [
    ["empty string", "", [null], /The file is empty/],
    ["empty bytes", new Uint8Array(), [null], /The file is empty/],
    ["only whitespace", " \r\n\r\n", [null], /The file is empty/],
    ["only a BOM", new Uint8Array([0xef, 0xbb, 0xbf]), [null], /The file is empty/],
    ["header only", `${COLUMNS.join(",")}\r\n`, [null], /no data rows/],
    ["Windows-1252 bytes", windows1252, [null], /^The file is not UTF-8: save it as CSV UTF-8/],
    ["UTF-16 file", new Uint8Array([0xff, 0xfe, 0x74, 0x00, 0x69, 0x00]), [null], /not UTF-8/],
    ["unclosed quote", `${COLUMNS.join(",")}\r\n"Triage assistant,platform\r\n`, [null], /quoted cell is never closed/],
    [
      "missing required columns",
      csv(
        [REFUSAL],
        ",",
        COLUMNS.filter((name) => name !== "decided_on" && name !== "decision"),
      ),
      ["decision", "decided_on"],
      /The required column "(decision|decided_on)" is missing/,
    ],
    [
      "unknown columns",
      csv([REFUSAL], ",", [...COLUMNS, "budget_line", "Notes"]),
      [null],
      /Unknown columns: "budget_line", "Notes"\. Allowed columns: title, /,
    ],
    ["a column twice", csv([REFUSAL], ",", [...COLUMNS, "title"]), ["title"], /appears twice/],
  ];

  it.each(cases)("%s", (_name, input, columns, message) => {
    const errors = errorsOf(parseDecisionsCsv(input, OPTIONS));
    expect(errors.map((error) => error.row)).toEqual(columns.map(() => 0));
    expect(errors.map((error) => error.column)).toEqual(columns);
    for (const error of errors) expect(error.message).toMatch(message);
  });

  it(`refuses more than ${MAX_ROWS} rows`, () => {
    const rows = Array.from({ length: MAX_ROWS + 1 }, (_, index) => ({ title: `Application number ${index + 1}` }));
    const errors = errorsOf(parseDecisionsCsv(csv(rows), OPTIONS));
    expect(errors).toEqual([{ row: 0, column: null, message: expect.stringMatching(/5001 data rows; at most 5,000/) }]);
  });

  it(`accepts exactly ${MAX_ROWS} rows`, () => {
    const rows = Array.from({ length: MAX_ROWS }, (_, index) => ({ title: `Application number ${index + 1}` }));
    const result = parseDecisionsCsv(csv(rows), OPTIONS);
    expect(result.ok && result.rows.length).toBe(MAX_ROWS);
  });

  it("ignores empty trailing header cells but not data under them", () => {
    expect(parseDecisionsCsv(csv([REFUSAL], ",", [...COLUMNS, ""]), OPTIONS).ok).toBe(true);
    const text = `${COLUMNS.join(",")},\r\n${csv([REFUSAL]).split("\r\n")[1]},surprise\r\n`;
    expect(errorsOf(parseDecisionsCsv(text, OPTIONS))).toEqual([{ row: 0, column: null, message: "Column 18 has values but no name in the header row." }]);
  });

  it("treats every platform slug as unknown when no organisations are given", () => {
    const errors = errorsOf(parseDecisionsCsv(csv([REFUSAL]), { today: TODAY }));
    expect(errors).toEqual([{ row: 1, column: "applicant", message: expect.stringMatching(/No organisation called "soins-val-de-meuse" \(name or slug\)/) }]);
  });
});

describe("parseDecisionsCsv: valid files", () => {
  it("reads a Belgian Excel export: `;`, BOM, Belgian numbers and dates, any header case and order", () => {
    const header =
      "Decided_On;DECISION;Title;Applicant Type;applicant;Amount-Requested;amount_awarded;rejection_reasons;consent_obtained;care_settings;ai_types";
    const text = [
      header,
      "14/06/2024;awarded;Valpreventie bij thuisverpleging;platform;soins-val-de-meuse;125.000,50;100 000;;;home_care;predictive_model",
      '3/2/2024;Rejected;Spraakherkenning voor overdrachten;outside;Zorggroep Voorbeeld vzw;"1.250.000";;Data_Quality | evaluation_plan | data_quality;yes;;speech|LLM',
      "2024-02-29;withdrawn;Triage-assistent voor de spoedgevallendienst;anonymous;;95\u00A0000,5;0;;no;emergency;",
    ].join("\r\n");
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    const result = parseDecisionsCsv(bytes, OPTIONS);
    expect(result).toEqual({
      ok: true,
      rows: [
        {
          row: 1,
          title: "Valpreventie bij thuisverpleging",
          applicantType: "platform",
          applicantSlug: "soins-val-de-meuse",
          applicantName: null,
          applicantRegion: null,
          applicantKind: null,
          amountRequested: 125000.5,
          amountAwarded: 100000,
          currency: "EUR",
          decision: "awarded",
          decidedOn: "2024-06-14",
          rejectionReasons: [],
          reasonText: null,
          feedback: null,
          language: null,
          consentObtained: false,
          careSettings: ["home_care"],
          aiTypes: ["predictive_model"],
          disclosure: "named",
        },
        {
          row: 2,
          title: "Spraakherkenning voor overdrachten",
          applicantType: "outside",
          applicantSlug: null,
          applicantName: "Zorggroep Voorbeeld vzw",
          applicantRegion: null,
          applicantKind: null,
          amountRequested: 1250000,
          amountAwarded: null,
          currency: "EUR",
          decision: "rejected",
          decidedOn: "2024-02-03",
          rejectionReasons: ["data_quality", "evaluation_plan"],
          reasonText: null,
          feedback: null,
          language: null,
          consentObtained: true,
          careSettings: [],
          aiTypes: ["speech", "llm"],
          disclosure: "named",
        },
        {
          row: 3,
          title: "Triage-assistent voor de spoedgevallendienst",
          applicantType: "anonymous",
          applicantSlug: null,
          applicantName: null,
          applicantRegion: null,
          applicantKind: null,
          amountRequested: 95000.5,
          amountAwarded: null,
          currency: "EUR",
          decision: "withdrawn",
          decidedOn: "2024-02-29",
          rejectionReasons: [],
          reasonText: null,
          feedback: null,
          language: null,
          consentObtained: false,
          careSettings: ["emergency"],
          aiTypes: [],
          disclosure: "anonymised",
        },
      ],
    });
  });

  it("does not let a BOM hide the first column name, in bytes or in a string", () => {
    const text = csv([REFUSAL]);
    expect(parseDecisionsCsv(`\uFEFF${text}`, OPTIONS).ok).toBe(true);
    expect(parseDecisionsCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]), OPTIONS).ok).toBe(true);
    expect(parseDecisionsCsv(new TextEncoder().encode(text), OPTIONS).ok).toBe(true);
  });

  it("keeps Markdown feedback with line breaks and delimiters inside quotes", () => {
    const feedback = 'Start with:\n\n- a DPIA; signed\n- a "baseline", measured';
    const result = parseDecisionsCsv(csv([{ feedback }], ";"), OPTIONS);
    expect(result.ok && result.rows[0]?.feedback).toBe(feedback);
  });

  it.each([
    ["platform award", { ...AWARD }, "named"],
    ["platform refusal", {}, "awaiting_consent"],
    ["platform withdrawal", { decision: "withdrawn", rejection_reasons: "" }, "awaiting_consent"],
    ["outside award without consent", { ...AWARD, applicant_type: "outside", applicant: "Kliniek Voorbeeld" }, "named"],
    [
      "outside withdrawal without consent",
      { applicant_type: "outside", applicant: "Kliniek Voorbeeld", decision: "withdrawn", rejection_reasons: "" },
      "anonymised",
    ],
    ["outside refusal without consent", { applicant_type: "outside", applicant: "Kliniek Voorbeeld", consent_obtained: "" }, "anonymised"],
    ["outside refusal with consent", { applicant_type: "outside", applicant: "Kliniek Voorbeeld", consent_obtained: "YES" }, "named"],
    ["anonymous refusal", { applicant_type: "anonymous", applicant: "" }, "anonymised"],
  ] as [string, Cells, string][])("disclosure of a %s", (_name, cells, disclosure) => {
    const result = parseDecisionsCsv(csv([cells]), OPTIONS);
    expect(result.ok && result.rows[0]?.disclosure).toBe(disclosure);
  });

  it("needs only the required columns; currency defaults to EUR", () => {
    const required = CSV_COLUMNS.filter((column) => column.required).map((column) => column.name);
    expect(required).toEqual(["title", "applicant_type", "applicant", "amount_requested", "decision", "decided_on"]);
    const result = parseDecisionsCsv(csv([{ decision: "withdrawn" }], ",", required), OPTIONS);
    expect(result.ok && result.rows[0]).toMatchObject({ currency: "EUR", rejectionReasons: [], consentObtained: false, amountAwarded: null });
  });

  it("all or nothing: one bad row among good ones gives errors and no rows", () => {
    const good = Array.from({ length: 20 }, (_, index) => ({ title: `Good application number ${index + 1}` }));
    const result = parseDecisionsCsv(csv([...good, { decided_on: "2024-02-30" }, ...good.map((row) => ({ title: `${row.title}, again` }))]), OPTIONS);
    expect(result).toEqual({ ok: false, errors: [{ row: 21, column: "decided_on", message: expect.any(String) }] });
  });

  it("parses the example file content/examples/decisions.csv", () => {
    const result = parseDecisionsCsv(readFileSync(new URL("../../content/examples/decisions.csv", import.meta.url)), OPTIONS);
    if (!result.ok) expect(result.errors).toEqual([]);
    expect(result.ok && result.rows.map((row) => [row.decision, row.disclosure])).toEqual([
      ["awarded", "named"],
      ["rejected", "awaiting_consent"],
      ["rejected", "named"],
      ["rejected", "anonymised"],
      ["rejected", "anonymised"],
      ["withdrawn", "anonymised"],
    ]);
  });

  it.each([",", ";"] as const)("parses its own template (delimiter %s)", (delimiter) => {
    const template = decisionsCsvTemplate({ delimiter });
    expect(template.split("\r\n")[0]).toBe(COLUMNS.join(delimiter));
    const result = parseDecisionsCsv(template, OPTIONS);
    expect(result.ok && result.rows.length).toBe(2);
  });
});

describe("parseDecisionsCsv: names, language and the call's opening date (issue 11 §12, §14, §15)", () => {
  it("accepts an organisation's name as on Casebook (any case, extra spaces) and keeps its slug", () => {
    const result = parseDecisionsCsv(csv([{ applicant: "soins à  domicile VAL-DE-MEUSE" }]), OPTIONS);
    expect(result.ok && result.rows[0]!.applicantSlug).toBe("soins-val-de-meuse");
  });

  it("reads the language of the texts, empty meaning the importer's", () => {
    const result = parseDecisionsCsv(csv([{ language: "NL" }, { title: "Second application of the file", language: "" }]), OPTIONS);
    expect(result.ok && result.rows.map((r) => r.language)).toEqual(["nl", null]);
  });

  it("refuses a decision dated before the call opened, naming both dates; the opening day itself is fine", () => {
    const errors = errorsOf(
      parseDecisionsCsv(csv([{ decided_on: "2025-03-01" }, { title: "Second application of the file", decided_on: "28/02/2025" }]), {
        ...OPTIONS,
        opensOn: "2025-03-01",
      }),
    );
    expect(errors).toEqual([
      {
        row: 2,
        column: "decided_on",
        message: "The decision date 2025-02-28 is before the call opened (2025-03-01); check the date, or record it on the right call.",
      },
    ]);
  });
});

describe("parseAmount", () => {
  it.each([
    ["125000", 125000],
    ["125000.50", 125000.5],
    ["125000,50", 125000.5],
    ["125 000", 125000],
    ["125\u202F000,50", 125000.5],
    ["125.000,50", 125000.5],
    ["125,000.50", 125000.5],
    ["1.250.000", 1250000],
    ["1,250,000", 1250000],
    ["0", 0],
    ["0,5", 0.5],
  ])("%s → %d", (raw, value) => {
    expect(parseAmount(raw)).toEqual({ ok: true, value });
  });

  it.each(["125.000", "125,000", "12 34", "1.25.000", "1e6", "12.345.6", "EUR 5", "-0"])("refuses %s", (raw) => {
    expect(parseAmount(raw).ok).toBe(false);
  });
});

describe("docs/funding-csv.md", () => {
  const doc = readFileSync(new URL("../../docs/funding-csv.md", import.meta.url), "utf8");

  it.each(COLUMNS)("documents the column %s in the column table", (name) => {
    expect(doc).toMatch(new RegExp(`^\\| \`${name}\` \\|`, "m"));
  });

  it("holds the column table generated from CSV_COLUMNS, unchanged", () => {
    expect(doc).toContain(csvColumnsMarkdownTable());
  });

  it("documents no column that does not exist", () => {
    const section = doc.slice(doc.indexOf("## Columns"), doc.indexOf("\n## ", doc.indexOf("## Columns") + 1));
    const documented = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual(COLUMNS);
  });
});
