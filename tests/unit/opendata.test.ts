import { readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import {
  CALLS_CSV_COLUMNS,
  DECISIONS_CSV_COLUMNS,
  OPEN_DATA_LICENCE,
  callsExportSchema,
  callsToCsv,
  callsToJson,
  csvCell,
  decisionsExportSchema,
  decisionsTo360Giving,
  decisionsToCsv,
  decisionsToJson,
  openDataHeaders,
  readOpenDataFilter,
  selectCalls,
  selectDecisions,
} from "../../src/lib/server/opendata.ts";
import type { ExportMeta, PublicCall, PublicDecision } from "../../src/lib/server/opendata.ts";

const META: ExportMeta = { publicUrl: "https://casebook.example/", generatedAt: new Date("2025-07-01T08:30:00.000Z") };

// The name and slug of the anonymised applicant: they exist in the record the decision was
// made from (as internal data would), but must never reach an export.
const SECRET_NAME = "AZ Heidebloem";
const SECRET_SLUG = "az-heidebloem";

const CALL = { slug: "data-readiness-2025", title: "Data Readiness for Care AI 2025", programme: "Care Innovation Programme" };
const FUNDER = { slug: "meridian-care-fund", name: "Meridian Care Innovation Fund" };

function decision(overrides: Partial<PublicDecision>): PublicDecision {
  return {
    id: "d1",
    slug: "wound-care-records",
    url: "https://casebook.example/funding/wound-care-records",
    title: "Structured wound-care records before any image model",
    call: CALL,
    funder: FUNDER,
    applicant: { name: "Soins à Domicile Val-de-Meuse", descriptor: "a home-care organisation in Wallonia", slug: "soins-val-de-meuse" },
    amountRequested: 120000,
    amountAwarded: 96500,
    currency: "EUR",
    decision: "awarded",
    decidedOn: "2025-05-20",
    rejectionReasons: [],
    reasonText: null,
    language: "en",
    careSettings: ["home_care"],
    aiTypes: ["computer_vision"],
    publishedAt: "2025-06-02T09:00:00.000Z",
    ...overrides,
  };
}

const ANONYMISED = {
  ...decision({
    id: "d2",
    slug: "medication-reconciliation",
    url: "https://casebook.example/funding/medication-reconciliation",
    title: "Medication-list reconciliation at discharge",
    // Given by mistake: a slug identifies the organisation as surely as its name.
    applicant: { name: null, descriptor: "a hospital in Flanders", slug: SECRET_SLUG },
    amountRequested: 150000,
    amountAwarded: null,
    decision: "rejected",
    // PocketBase's own date format, which the exports must normalise.
    decidedOn: "2025-05-22 00:00:00.000Z",
    rejectionReasons: ["clinical_value", "evaluation_plan"],
    reasonText: "The expected benefit was not quantified.",
    careSettings: ["hospital", "pharmacy"],
    aiTypes: ["llm"],
    publishedAt: "2025-06-03 10:15:00.000Z",
  }),
  // Internal fields a careless caller might pass along.
  applicantRecord: { name: SECRET_NAME, slug: SECRET_SLUG, email: "dpo@az-heidebloem.example" },
  internalNotes: `Refused: ${SECRET_NAME} asked us not to publish its name.`,
} as PublicDecision;

const DECISIONS: PublicDecision[] = [
  decision({}),
  ANONYMISED,
  decision({
    id: "d3",
    slug: "gp-terminology",
    url: "https://casebook.example/funding/gp-terminology",
    title: '=HYPERLINK("https://evil.example","Terminology mapping, for GP notes")',
    applicant: { name: "Huisartsenpraktijk Voorbeeld", descriptor: "a primary-care practice in Flanders", slug: null },
    amountRequested: 45000,
    amountAwarded: null,
    decision: "rejected",
    decidedOn: "2025-05-21",
    rejectionReasons: ["eligibility"],
    reasonText: 'Consortia must be led by a "care provider";\nsee section 2.',
    careSettings: ["primary_care"],
    aiTypes: ["nlp"],
  }),
  decision({
    id: "d4",
    slug: "visit-notes",
    url: "https://casebook.example/funding/visit-notes",
    title: "Shared coding of home-care visit notes",
    call: null,
    applicant: { name: null, descriptor: "an applicant", slug: null },
    amountRequested: 70000,
    amountAwarded: null,
    decision: "withdrawn",
    decidedOn: "2025-06-03",
    reasonText: "-joined another consortium",
    careSettings: [],
    aiTypes: [],
  }),
  decision({
    id: "d5",
    slug: "pending-one",
    url: "https://casebook.example/funding/pending-one",
    title: "Speech recognition for care-home night rounds",
    call: { ...CALL, programme: null },
    amountRequested: null,
    amountAwarded: null,
    decision: "pending",
    decidedOn: null,
  }),
];

const CALLS: PublicCall[] = [
  {
    slug: "data-readiness-2025",
    title: "Data Readiness for Care AI 2025",
    programme: "Care Innovation Programme",
    description: "Grants for the groundwork that AI projects need: structured data, quality checks, governance.",
    budget: 800000,
    currency: "EUR",
    opensOn: "2025-01-15",
    closesOn: "2025-03-31 00:00:00.000Z",
    url: "https://meridian-care-fund.example/calls/data-readiness-2025",
    funder: FUNDER,
  },
  {
    slug: "open-ideas",
    title: "@Open ideas, anytime",
    programme: null,
    description: "+ Rolling call.\r\nNo deadline.",
    budget: null,
    currency: "eur",
    opensOn: null,
    closesOn: null,
    url: null,
    funder: { slug: "another-fund", name: "Another Fund" },
  },
];

// ---------------------------------------------------------------------------------------
// A small JSON Schema checker, enough for the 360Giving schemas: $ref, type, required,
// properties, items, enum, pattern, format (date-time, uri), minItems, minimum, oneOf.

type Schema = { [key: string]: unknown };
type Schemas = { grant: Schema; package: Schema };

// FACTS restated from the 360Giving Data Standard 1.4.3 (360-giving-schema.json and
// 360-giving-package-schema.json at github.com/ThreeSixtyGiving/standard, tag 1.4.3): the
// required fields, their types, the date and URI rules and the enums the export uses. The
// tests read nothing outside the repository. Not a copy of the schemas: the currency code
// list (ISO 4217, 301 codes in `$defs.currency.enum`) is restated as the excerpt below,
// every code of which is in the standard's list.
/** An excerpt of the standard's currency code list: the euro and the other European currencies a Belgian funder may use. */
const CURRENCIES = ["EUR", "GBP", "USD", "CHF", "SEK", "DKK", "NOK", "ISK", "PLN", "CZK", "HUF", "RON", "BGN"];
const DATE_OR_DATE_TIME = {
  type: "string",
  oneOf: [{ format: "date-time" }, { pattern: "^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$" }],
};
const ORGANISATION = { type: "object", required: ["id", "name"], properties: { id: { type: "string" }, name: { type: "string" } } };
const FALLBACK_GRANT: Schema = {
  type: "object",
  oneOf: [
    { required: ["id", "title", "description", "currency", "amountAwarded", "awardDate", "recipientOrganization", "fundingOrganization"] },
    { required: ["id", "title", "description", "currency", "amountAwarded", "awardDate", "recipientIndividual", "fundingOrganization"] },
  ],
  properties: {
    id: { type: "string" },
    title: { type: "string" },
    description: { type: "string" },
    currency: { type: "string", enum: CURRENCIES },
    amountAppliedFor: { type: "number" },
    amountAwarded: { type: "number" },
    awardDate: DATE_OR_DATE_TIME,
    url: { type: "string", format: "uri" },
    recipientOrganization: { type: "array", minItems: 1, items: ORGANISATION },
    recipientIndividual: { type: "object", required: ["id", "name"], properties: { id: { type: "string" }, name: { type: "string" } } },
    fundingOrganization: { type: "array", minItems: 1, items: ORGANISATION },
    grantProgramme: { type: "array", items: { type: "object", properties: { code: { type: "string" }, title: { type: ["string", "null"] } } } },
    fromOpenCall: { type: "string", enum: ["Yes", "No"] },
    classifications: {
      type: "array",
      items: { type: "object", properties: { vocabulary: { type: "string" }, code: { type: "string" }, title: { type: ["string", "null"] } } },
    },
    dateModified: { type: "string", format: "date-time" },
  },
};
const FALLBACK_PACKAGE: Schema = {
  type: "object",
  required: ["grants"],
  properties: {
    grants: { type: "array", minItems: 1, items: { $ref: "360-giving-schema.json" } },
    version: { type: "string", pattern: "^(\\d+\\.)(\\d+)$" },
    title: { type: "string" },
    description: { type: "string" },
    identifier: { type: "string" },
    issued: DATE_OR_DATE_TIME,
    modified: DATE_OR_DATE_TIME,
    publisher: { type: "object", required: ["name"], properties: { name: { type: "string" }, website: { type: "string", format: "uri" } } },
    downloadURL: { type: "string", format: "uri" },
    accessURL: { type: "string", format: "uri" },
    license: { type: "string", format: "uri" },
  },
};
const FALLBACK: Schemas = { grant: FALLBACK_GRANT, package: FALLBACK_PACKAGE };

function checkPackage(value: unknown, schemas: Schemas): string[] {
  const errors: string[] = [];
  check(value, schemas.package, schemas.package, "$", errors, schemas);
  return errors;
}

function check(value: unknown, schema: Schema, root: Schema, path: string, errors: string[], schemas: Schemas): void {
  if (typeof schema.$ref === "string") {
    const ref = schema.$ref;
    // The package schema points at the grant schema by URL (of another patch version).
    if (ref.endsWith("360-giving-schema.json")) {
      check(value, schemas.grant, schemas.grant, path, errors, schemas);
      return;
    }
    const target = ref
      .replace(/^#\//, "")
      .split("/")
      .reduce<unknown>((node, key) => (node as Schema)[key], root);
    if (!target) throw new Error(`unresolvable $ref ${ref}`);
    check(value, target as Schema, root, path, errors, schemas);
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => hasType(value, type))) {
      errors.push(`${path}: expected ${types.join(" or ")}, got ${JSON.stringify(value)}`);
      return;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in the code list`);
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: "${value}" does not match ${schema.pattern}`);
    if (schema.format === "date-time" && !isDateTime(value)) errors.push(`${path}: "${value}" is not a date-time`);
    if (schema.format === "uri" && !isUri(value)) errors.push(`${path}: "${value}" is not a URI`);
  }
  if (typeof value === "number" && typeof schema.minimum === "number" && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items) {
      for (const [index, item] of value.entries()) check(item, schema.items as Schema, root, `${path}[${index}]`, errors, schemas);
    }
  }
  if (isObject(value)) {
    for (const key of (schema.required as string[] | undefined) ?? []) {
      if (!(key in value)) errors.push(`${path}: missing required "${key}"`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [key, sub] of Object.entries(properties)) {
      if (key in value) check(value[key], sub, root, `${path}.${key}`, errors, schemas);
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = (schema.oneOf as Schema[]).filter((option) => {
      const sub: string[] = [];
      check(value, option, root, path, sub, schemas);
      return sub.length === 0;
    });
    if (passing.length !== 1) errors.push(`${path}: matches ${passing.length} of the oneOf alternatives instead of exactly one`);
  }
}

function hasType(value: unknown, type: string): boolean {
  if (type === "null") return value === null;
  if (type === "array") return Array.isArray(value);
  if (type === "object") return isObject(value);
  if (type === "number") return typeof value === "number" && Number.isFinite(value);
  if (type === "integer") return Number.isInteger(value);
  return typeof value === type;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// RFC 3339 date-time, the meaning of JSON Schema's "date-time" format.
function isDateTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
}

function isUri(value: string): boolean {
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(value) && Boolean(new URL(value));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------

const schemaSets: [string, Schemas][] = [["the restated facts", FALLBACK]];

describe("360Giving package", () => {
  const pkg = decisionsTo360Giving(DECISIONS, META);

  it.each(schemaSets)("is valid against %s", (_name, schemas) => {
    expect(checkPackage(pkg, schemas)).toEqual([]);
  });

  it.each(schemaSets)("the checker with %s catches broken grants", (_name, schemas) => {
    const broken = structuredClone(pkg) as unknown as { grants: Record<string, unknown>[] };
    const [first, second, third] = broken.grants;
    delete first!.awardDate;
    second!.awardDate = "22/05/2025";
    third!.amountAwarded = "0";
    (third!.recipientOrganization as Record<string, unknown>[])[0]!.id = 42;
    const errors = checkPackage(broken, schemas);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/grants\[0\]: matches 0 of the oneOf/),
        expect.stringMatching(/grants\[1\]\.awardDate: matches 0 of the oneOf/),
        expect.stringMatching(/grants\[2\]\.amountAwarded: expected number/),
        expect.stringMatching(/grants\[2\]\.recipientOrganization\[0\]\.id: expected string/),
      ]),
    );
    expect(checkPackage({ ...pkg, grants: [] }, schemas)).toEqual(["$.grants: fewer than 1 items"]);
  });

  it("uses a currency from the standard's code list", () => {
    for (const grant of pkg.grants) expect(CURRENCIES).toContain(grant.currency);
    const wrong = decisionsTo360Giving([decision({ currency: "EURO" })], META);
    expect(checkPackage(wrong, FALLBACK)).toEqual([expect.stringMatching(/currency: "EURO" not in the code list/)]);
  });

  it("has one grant per decided decision, with unique prefixed identifiers", () => {
    expect(pkg.grants.map((grant) => grant.id)).toEqual(["360G-casebook-d1", "360G-casebook-d2", "360G-casebook-d3", "360G-casebook-d4"]);
  });

  it("describes an award with the standard's fields", () => {
    expect(pkg.grants[0]).toMatchObject({
      title: "Structured wound-care records before any image model",
      currency: "EUR",
      amountAppliedFor: 120000,
      amountAwarded: 96500,
      awardDate: "2025-05-20",
      recipientOrganization: [{ id: "XI-CASEBOOK-soins-val-de-meuse", name: "Soins à Domicile Val-de-Meuse" }],
      fundingOrganization: [{ id: "XI-CASEBOOK-meridian-care-fund", name: "Meridian Care Innovation Fund" }],
      grantProgramme: [{ code: "data-readiness-2025", title: "Care Innovation Programme: Data Readiness for Care AI 2025" }],
      fromOpenCall: "Yes",
      classifications: [
        { vocabulary: "casebook:care_setting", code: "home_care", title: "Home care" },
        { vocabulary: "casebook:ai_type", code: "computer_vision", title: "Computer vision" },
      ],
      url: "https://casebook.example/funding/wound-care-records",
      dateModified: "2025-06-02T09:00:00.000Z",
      casebook: { decision: "awarded", rejectionReasons: [], reasonText: null, anonymised: false },
    });
    expect(pkg.grants[0]!.description).toMatch(/Meridian Care Innovation Fund/);
  });

  it("gives refusals and withdrawals amountAwarded 0 and the casebook extension", () => {
    expect(pkg.grants[1]).toMatchObject({
      amountAwarded: 0,
      amountAppliedFor: 150000,
      awardDate: "2025-05-22",
      dateModified: "2025-06-03T10:15:00.000Z",
      casebook: {
        decision: "rejected",
        rejectionReasons: ["clinical_value", "evaluation_plan"],
        reasonText: "The expected benefit was not quantified.",
        anonymised: true,
        applicantDescriptor: "a hospital in Flanders",
      },
    });
    expect(pkg.grants[1]!.description).toMatch(/refused \(reasons: clinical value, evaluation plan\)\. No grant was made\./);
    expect(pkg.grants[3]).toMatchObject({ amountAwarded: 0, casebook: { decision: "withdrawn" } });
    expect(pkg.grants[3]).not.toHaveProperty("grantProgramme");
    expect(pkg.grants[3]).not.toHaveProperty("classifications");
  });

  it("identifies anonymised applicants by a placeholder and names them by their descriptor", () => {
    const [recipient] = pkg.grants[1]!.recipientOrganization;
    expect(recipient!.id).toMatch(/^XI-CASEBOOK-ANONYMOUS-[0-9a-f]{16}$/);
    expect(recipient!.name).toBe("a hospital in Flanders");
    expect(pkg.grants[3]!.recipientOrganization[0]!.id).not.toBe(recipient!.id);
    // Stable between exports, so that consumers can follow a record.
    expect(decisionsTo360Giving([ANONYMISED], META).grants[0]!.recipientOrganization[0]!.id).toBe(recipient!.id);
  });

  it("identifies named outside applicants without inventing a slug", () => {
    expect(pkg.grants[2]!.recipientOrganization[0]).toEqual({
      id: expect.stringMatching(/^XI-CASEBOOK-OUTSIDE-[0-9a-f]{16}$/),
      name: "Huisartsenpraktijk Voorbeeld",
    });
  });

  it("leaves out pending decisions and awards without an amount (required fields)", () => {
    expect(decisionsTo360Giving([decision({ decision: "pending", decidedOn: null })], META).grants).toEqual([]);
    expect(decisionsTo360Giving([decision({ decidedOn: null })], META).grants).toEqual([]);
    expect(decisionsTo360Giving([decision({ amountAwarded: null })], META).grants).toEqual([]);
  });

  it("carries licence, generation time and publisher in the package's own fields", () => {
    expect(pkg).toMatchObject({
      version: "1.4",
      license: OPEN_DATA_LICENCE.url,
      issued: "2025-07-01T08:30:00.000Z",
      modified: "2025-07-01T08:30:00.000Z",
      publisher: { name: "Casebook", website: "https://casebook.example/" },
      accessURL: "https://casebook.example/open-data",
      downloadURL: "https://casebook.example/open-data/360giving.json",
    });
    const filtered = decisionsTo360Giving([], { ...META, filter: { call: "data-readiness-2025" } });
    expect(filtered.downloadURL).toBe("https://casebook.example/open-data/360giving.json?call=data-readiness-2025");
    expect(filtered.identifier).toBe("casebook-360giving-call-data-readiness-2025");
  });
});

describe("anonymised applicants", () => {
  const outputs: [string, string][] = [
    ["decisions.csv", decisionsToCsv(DECISIONS, META)],
    ["decisions.json", JSON.stringify(decisionsToJson(DECISIONS, META))],
    ["360giving.json", JSON.stringify(decisionsTo360Giving(DECISIONS, META))],
  ];

  it.each(outputs)("%s never contains the name, the slug or any internal field", (_file, text) => {
    expect(text).not.toContain(SECRET_NAME);
    expect(text.toLowerCase()).not.toContain(SECRET_NAME.toLowerCase());
    expect(text).not.toContain(SECRET_SLUG);
    expect(text).not.toContain("applicantRecord");
    expect(text).not.toContain("internalNotes");
    expect(text).toContain("a hospital in Flanders");
  });

  it("has a null name and slug in the JSON export", () => {
    const item = decisionsToJson(DECISIONS, META).items[1]!;
    expect(item.applicant).toEqual({ name: null, descriptor: "a hospital in Flanders", slug: null });
  });

  it("falls back to a neutral descriptor", () => {
    const item = decisionsToJson([decision({ applicant: { name: null, descriptor: " ", slug: null } })], META).items[0]!;
    expect(item.applicant.descriptor).toBe("an applicant");
  });
});

describe("CSV exports", () => {
  const text = decisionsToCsv(DECISIONS, META);
  const records: string[][] = parse(text, { bom: true });

  it("start with a UTF-8 BOM and end lines with CRLF", () => {
    expect(text.startsWith("\uFEFF")).toBe(true);
    expect(Buffer.from(text, "utf8").subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.split("\r\n")[0]).toBe(`\uFEFF${DECISIONS_CSV_COLUMNS.join(",")}`);
  });

  it("have the documented columns in a fixed order and one row per decision", () => {
    expect(records[0]).toEqual([...DECISIONS_CSV_COLUMNS]);
    expect(records).toHaveLength(DECISIONS.length + 1);
    expect(records.every((record) => record.length === DECISIONS_CSV_COLUMNS.length)).toBe(true);
  });

  it("round-trip through a CSV parser, quotes, commas and newlines included", () => {
    const row = Object.fromEntries(DECISIONS_CSV_COLUMNS.map((name, index) => [name, records[3]![index]]));
    expect(row).toMatchObject({
      id: "d3",
      title: `'=HYPERLINK("https://evil.example","Terminology mapping, for GP notes")`,
      applicant_name: "Huisartsenpraktijk Voorbeeld",
      applicant_slug: "",
      amount_requested: "45000",
      amount_awarded: "",
      decision: "rejected",
      decided_on: "2025-05-21",
      rejection_reasons: "eligibility",
      reason_text: 'Consortia must be led by a "care provider";\nsee section 2.',
    });
    const anonymised = Object.fromEntries(DECISIONS_CSV_COLUMNS.map((name, index) => [name, records[2]![index]]));
    expect(anonymised).toMatchObject({
      applicant_name: "",
      applicant_slug: "",
      decided_on: "2025-05-22",
      rejection_reasons: "clinical_value|evaluation_plan",
      care_settings: "hospital|pharmacy",
      published_at: "2025-06-03T10:15:00.000Z",
    });
    expect(records[4]![DECISIONS_CSV_COLUMNS.indexOf("reason_text")]).toBe("'-joined another consortium");
  });

  it("neutralise formulas in calls.csv too", () => {
    const calls: string[][] = parse(callsToCsv(CALLS, META), { bom: true });
    expect(calls[0]).toEqual([...CALLS_CSV_COLUMNS]);
    expect(calls[1]).toEqual([
      "data-readiness-2025",
      "Data Readiness for Care AI 2025",
      "Care Innovation Programme",
      "Grants for the groundwork that AI projects need: structured data, quality checks, governance.",
      "800000",
      "EUR",
      "2025-01-15",
      "2025-03-31",
      "https://meridian-care-fund.example/calls/data-readiness-2025",
      "meridian-care-fund",
      "Meridian Care Innovation Fund",
    ]);
    expect(calls[2]).toEqual([
      "open-ideas",
      "'@Open ideas, anytime",
      "",
      "'+ Rolling call.\r\nNo deadline.",
      "",
      "EUR",
      "",
      "",
      "",
      "another-fund",
      "Another Fund",
    ]);
  });

  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ["a;b", '"a;b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rlf", '"cr\rlf"'],
    [" padded", '" padded"'],
    ["=1+1", "'=1+1"],
    ["+32 2 123 45 67", "'+32 2 123 45 67"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\t=cmd", "'\t=cmd"],
    ["\r=cmd", `"'\r=cmd"`],
    ['=HYPERLINK("x","y")', `"'=HYPERLINK(""x"",""y"")"`],
    ["a=b", "a=b"],
    [125000.5, "125000.5"],
    [0, "0"],
    [null, ""],
  ] as [string | number | null, string][])("csvCell(%j) is %s", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });
});

describe("JSON exports", () => {
  it("decisions.json validates against decisionsExportSchema", () => {
    const body = decisionsToJson(DECISIONS, META);
    expect(decisionsExportSchema.safeParse(body).error?.issues ?? []).toEqual([]);
    expect(body).toMatchObject({
      licence: { name: "CC BY 4.0", url: "https://creativecommons.org/licenses/by/4.0/" },
      generatedAt: "2025-07-01T08:30:00.000Z",
      source: "https://casebook.example/",
      filter: { call: null, funder: null },
      count: 5,
    });
    expect(body.items[1]).toMatchObject({ decidedOn: "2025-05-22", publishedAt: "2025-06-03T10:15:00.000Z" });
    expect(body.items[4]).toMatchObject({ decision: "pending", decidedOn: null, amountRequested: null, call: { programme: null } });
  });

  it("calls.json validates against callsExportSchema", () => {
    const body = callsToJson(CALLS, { ...META, filter: { funder: "meridian-care-fund" } });
    expect(callsExportSchema.safeParse(body).error?.issues ?? []).toEqual([]);
    expect(body.filter).toEqual({ call: null, funder: "meridian-care-fund" });
    expect(body.items[0]).toMatchObject({ closesOn: "2025-03-31", budget: 800000 });
    expect(body.items[1]).toMatchObject({ currency: "EUR", url: null, opensOn: null });
  });

  it("the schemas refuse extra fields and a wrong count", () => {
    const body = decisionsToJson(DECISIONS, META);
    expect(decisionsExportSchema.safeParse({ ...body, items: [{ ...body.items[0], email: "x@example.org" }] }).success).toBe(false);
    expect(decisionsExportSchema.safeParse({ ...body, count: 4 }).success).toBe(false);
    expect(decisionsExportSchema.safeParse({ ...body, licence: { name: "CC0", url: OPEN_DATA_LICENCE.url } }).success).toBe(false);
  });

  it("are empty, not broken, when nothing matches", () => {
    const body = decisionsToJson([], META);
    expect(body).toMatchObject({ count: 0, items: [] });
    expect(decisionsExportSchema.safeParse(body).success).toBe(true);
  });
});

describe("HTTP headers, filters", () => {
  it("carry the licence and the generation time", () => {
    const headers = openDataHeaders("decisions.csv", { ...META, filter: { call: "data-readiness-2025" } });
    expect(headers).toMatchObject({
      "Content-Type": "text/csv; charset=utf-8; header=present",
      "Content-Disposition": 'inline; filename="casebook-decisions-call-data-readiness-2025.csv"',
      "X-Casebook-Licence": "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/",
      "X-Casebook-Generated": "2025-07-01T08:30:00.000Z",
      Link: '<https://creativecommons.org/licenses/by/4.0/>; rel="license"',
    });
    expect(openDataHeaders("360giving.json", META)["Content-Type"]).toBe("application/json; charset=utf-8");
  });

  it("read ?call= and ?funder= as slugs only", () => {
    expect(readOpenDataFilter(new URLSearchParams("call=data-readiness-2025&funder=meridian-care-fund"))).toEqual({
      ok: true,
      filter: { call: "data-readiness-2025", funder: "meridian-care-fund" },
    });
    expect(readOpenDataFilter(new URLSearchParams(""))).toEqual({ ok: true, filter: {} });
    expect(readOpenDataFilter(new URLSearchParams("call=../etc")).ok).toBe(false);
    expect(readOpenDataFilter(new URLSearchParams("funder=A B")).ok).toBe(false);
  });

  it("select by call and by funder", () => {
    expect(selectDecisions(DECISIONS, { call: "data-readiness-2025" }).map((d) => d.id)).toEqual(["d1", "d2", "d3", "d5"]);
    expect(selectDecisions(DECISIONS, { funder: "nobody" })).toEqual([]);
    expect(selectCalls(CALLS, { funder: "another-fund" }).map((c) => c.slug)).toEqual(["open-ideas"]);
    expect(selectCalls(CALLS, { call: "open-ideas", funder: "meridian-care-fund" })).toEqual([]);
  });
});

describe("docs/open-data.md", () => {
  const doc = readFileSync(new URL("../../docs/open-data.md", import.meta.url), "utf8");
  const decisionFields = Object.keys(decisionsExportSchema.parse(decisionsToJson([decision({})], META)).items[0]!);

  it.each([
    "/open-data/decisions.csv",
    "/open-data/decisions.json",
    "/open-data/calls.csv",
    "/open-data/calls.json",
    "/open-data/360giving.json",
    "?call=",
    "?funder=",
    "CC BY 4.0",
    "X-Casebook-Licence",
    "X-Casebook-Generated",
  ])("mentions %s", (text) => {
    expect(doc).toContain(text);
  });

  it.each([...DECISIONS_CSV_COLUMNS, ...CALLS_CSV_COLUMNS])("documents the CSV column %s", (name) => {
    expect(doc).toMatch(new RegExp(`\\| \`${name}\` \\|`));
  });

  it.each([...decisionFields, "licence", "generatedAt", "source", "filter", "count", "items", "opensOn", "closesOn", "budget", "description"])(
    "documents the JSON field %s",
    (name) => {
      expect(doc).toContain(`\`${name}\``);
    },
  );

  it.each([
    "casebook",
    "decision",
    "rejectionReasons",
    "reasonText",
    "anonymised",
    "applicantDescriptor",
    "amountAppliedFor",
    "XI-CASEBOOK-",
    "360G-casebook-",
  ])("documents the 360Giving field %s", (name) => {
    expect(doc).toContain(`\`${name}`);
  });
});
