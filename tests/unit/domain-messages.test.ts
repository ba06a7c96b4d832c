// Domain messages (issue 12): the server words refusals in English through say(key, params), and a
// page matches that English back to its key and arguments to show it in its own language
// (src/i18n/domain.ts). These tests walk every `domain.*` message, and the server sources.
import { isNumberElement, isPluralElement, isSelectElement, type MessageFormatElement, parse } from "@formatjs/icu-messageformat-parser";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type DomainKey, issueMessage, localizeDomainMessage, recogniseDomainMessage, say } from "../../src/i18n/domain.ts";
import { en, type MessageKey } from "../../src/i18n/en.ts";
import { type MessageParams, t } from "../../src/i18n/index.ts";

const domainKeys = (Object.keys(en) as MessageKey[]).filter((key): key is DomainKey => key.startsWith("domain."));

/** Every argument of an English message: "number" (plural, number), the options of a select, or "text". */
function argumentKinds(elements: MessageFormatElement[], found = new Map<string, "number" | "text" | string[]>()): Map<string, "number" | "text" | string[]> {
  for (const el of elements) {
    if (isNumberElement(el) || isPluralElement(el)) found.set(el.value, "number");
    else if (isSelectElement(el)) found.set(el.value, Object.keys(el.options));
    else if (el.type === 1) found.set(el.value, found.get(el.value) ?? "text");
    if (isPluralElement(el) || isSelectElement(el)) for (const option of Object.values(el.options)) argumentKinds(option.value, found);
  }
  return found;
}

/** Argument sets to render a message with: each select option, counts 1, 2 and 1,234, text like a name or an address. */
function samples(key: DomainKey): MessageParams[] {
  const kinds = [...argumentKinds(parse(en[key], { ignoreTag: true }))];
  if (kinds.length === 0) return [{}];
  const variants = Math.max(3, ...kinds.map(([, kind]) => (Array.isArray(kind) ? kind.length : 0)));
  return Array.from({ length: variants }, (_, i) =>
    Object.fromEntries(
      kinds.map(([name, kind]) => [
        name,
        kind === "number"
          ? [1, 2, 1234][i % 3]!
          : Array.isArray(kind)
            ? kind[i % kind.length]!
            : ["Zorgnet Noord", "an.peeters@az-voorbeeld.be", "Rapport (v2).pdf"][i % 3]!,
      ]),
    ),
  );
}

const cases = domainKeys.flatMap((key) => samples(key).map((params) => [key, params] as const));

describe("every domain message", () => {
  it("is a good few (the ones worded before issue 12's last part, and the ~140 converted then)", () => {
    expect(domainKeys.length).toBeGreaterThan(160);
  });

  it.each(cases)("%s %j reads in French and Dutch once the server has worded it in English", (key, params) => {
    const english = say(key, params);
    expect(localizeDomainMessage("en", english)).toBe(english);
    for (const locale of ["fr", "nl"] as const) {
      const shown = localizeDomainMessage(locale, english);
      expect(shown).toBe(t(locale, key, params));
      expect(shown).not.toBe(english);
    }
  });
});

describe("recogniseDomainMessage", () => {
  it("gives back the key and the arguments, numbers as numbers", () => {
    expect(recogniseDomainMessage("Keep the title under 300 characters.")).toEqual({ key: "domain.post.title_max", params: { max: 300 } });
    expect(recogniseDomainMessage("Too many attempts. Please wait 1 minute and try again.")).toEqual({
      key: "domain.too_many_attempts",
      params: { minutes: 1 },
    });
    expect(recogniseDomainMessage("Too many attempts. Please wait 12 minutes and try again.")).toEqual({
      key: "domain.too_many_attempts",
      params: { minutes: 12 },
    });
    expect(recogniseDomainMessage("The story is too long (100,000 characters at most).")).toEqual({ key: "domain.post.body_max", params: { max: 100_000 } });
  });

  it("does not take a count English would inflect otherwise ('1 minutes')", () => {
    expect(recogniseDomainMessage("Too many attempts. Please wait 1 minutes and try again.")).toBeNull();
  });

  it("leaves what is not a domain message alone, in every language", () => {
    expect(recogniseDomainMessage("Row 3: Unknown call, and more")).toEqual({
      key: "domain.funding.row",
      params: { row: "3", problem: "Unknown call, and more" },
    });
    expect(recogniseDomainMessage("Batch transaction failed.")).toBeNull();
    expect(localizeDomainMessage("fr", "Batch transaction failed.")).toBe("Batch transaction failed.");
    expect(localizeDomainMessage("fr", "")).toBe("");
  });
});

describe("localizeDomainMessage", () => {
  it("translates a domain message inside another (a row of a decisions upload, the first problem before submitting)", () => {
    expect(localizeDomainMessage("fr", say("domain.funding.row", { row: 3, problem: say("domain.funding.unknown_call") }))).toBe("Ligne 3 : Appel inconnu.");
    const problem = say("domain.post.title_max", { max: 300 });
    expect(localizeDomainMessage("nl", say("domain.post.fields_need", { count: 2, problem }))).toBe(
      "2 velden vragen uw aandacht voor u indient: De titel mag niet langer zijn dan 300 tekens.",
    );
  });

  it("translates a refused upload's report line by line, each line with its row, column and problem", () => {
    const lines = [
      say("domain.csv.line_row_column", {
        row: 2,
        column: "decided_on",
        problem: say("domain.csv.date_day", { raw: "31/02/2024", month: "2", year: 2024, days: 29 }),
      }),
      say("domain.funding.row", { row: 4, problem: say("domain.csv.duplicate", { count: 2, rows: "1, 2" }) }),
      say("domain.csv.line_file", { problem: "Something the catalogue does not know." }),
    ];
    const english = say("domain.funding.import_failed", { lines: lines.join("\n") });
    expect(english).toContain('Row 2, decided_on: "31/02/2024" is not a real date: February 2024 has 29 days.');
    expect(localizeDomainMessage("fr", english).split("\n")).toEqual([
      "Rien n’a été importé. Corrigez ces lignes et chargez à nouveau le fichier :",
      "Ligne 2, decided_on : « 31/02/2024 » n’est pas une date réelle : février 2024 compte 29 jours.",
      "Ligne 4 : Doublon des lignes 1, 2 : même titre, même demandeur et même decided_on.",
      "Fichier\u00a0: Something the catalogue does not know.",
    ]);
    expect(localizeDomainMessage("nl", english).split("\n")[2]).toBe("Rij 4: Dubbel van rijen 1, 2: zelfde titel, aanvrager en decided_on.");
  });

  it("keeps names and addresses the message carries as they were written", () => {
    const english = say("domain.invitation.other_address", { email: "an.peeters@az-voorbeeld.be" });
    expect(localizeDomainMessage("fr", english)).toBe(
      "Cette invitation a été envoyée à an.peeters@az-voorbeeld.be ; connectez-vous avec cette adresse pour l’accepter.",
    );
    expect(localizeDomainMessage("nl", say("domain.review.claimed_by", { name: "Sofie Claes" }))).toBe("Sofie Claes beoordeelt deze bijdrage al.");
  });

  it("formats numbers the reader's way", () => {
    const english = say("domain.post.lessons_max", { max: 50_000 });
    expect(english).toBe("Keep the lessons under 50,000 characters.");
    expect(localizeDomainMessage("nl", english)).toBe("De lessen mogen niet langer zijn dan 50.000 tekens.");
    expect(localizeDomainMessage("fr", english)).toMatch(/^Les enseignements ne peuvent pas dépasser 50\s000 caractères\.$/u);
  });
});

// The server's user-facing messages: thrown refusals, zod `error`s, issues and action messages.
// Left in English on purpose: operator-facing texts (config.ts: environment variables,
// addresses.ts: TRUSTED_PROXIES, importer.ts: the `npm run import` command), the open-data API's
// developer messages (opendata.ts) and list-URL parameter errors worded like search's parser
// (failures.ts).
const ENGLISH_BY_DESIGN = new Set(["config.ts", "addresses.ts", "importer.ts", "opendata.ts", "failures.ts"]);
const sources = [
  ...readdirSync("src/lib/server")
    .filter((f) => f.endsWith(".ts") && !ENGLISH_BY_DESIGN.has(f))
    .map((f) => `src/lib/server/${f}`),
  ...readdirSync("src/actions")
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `src/actions/${f}`),
];
const MESSAGE_LITERAL =
  /(?:new ValidationError\([^,()]+,|new RateLimitedError\(|\berror:|\bmessage:|\bneed\([^,()]+,|\bfail\([^,()]+,)\s*("(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`)/g;
const englishDomainTexts = new Set<string>(domainKeys.map((key) => en[key]));

describe("the server's sources", () => {
  it.each(sources)("%s words every user-facing message with say() or exactly as a domain.* message", (file) => {
    const text = readFileSync(file, "utf8");
    const unkeyed: string[] = [];
    for (const [, literal] of text.matchAll(MESSAGE_LITERAL)) {
      const value = literal!.startsWith("`") ? literal!.slice(1, -1) : (JSON.parse(literal!) as string);
      if (literal!.startsWith("`") && value.includes("${")) unkeyed.push(`${literal} (a template: use say() with arguments)`);
      else if (!englishDomainTexts.has(value)) unkeyed.push(literal!);
    }
    expect(unkeyed).toEqual([]);
  });

  it("every say() key exists (the type-check says so too)", () => {
    const used = sources.flatMap((file) => [...readFileSync(file, "utf8").matchAll(/\bsay\("([^"]+)"/g)].map((m) => m[1]!));
    expect(used.length).toBeGreaterThan(150);
    expect(used.filter((key) => !(key in en))).toEqual([]);
  });
});

describe("issueMessage (zod issues of a refused action input)", () => {
  it("keeps a schema's own message and words zod's defaults by their code, so they translate too", () => {
    const own = say("domain.post.title_max", { max: 300 });
    expect(issueMessage({ code: "too_big", origin: "string", maximum: 300, message: own })).toBe(own);
    expect(issueMessage({ code: "too_big", origin: "string", maximum: 20_000, message: "Too big: expected string to have <=20000 characters" })).toBe(
      "Use at most 20,000 characters.",
    );
    expect(issueMessage({ code: "too_small", origin: "string", minimum: 1, message: "Too small: expected string to have >=1 characters" })).toBe(
      say("domain.input.required"),
    );
    expect(issueMessage({ code: "too_small", origin: "string", minimum: 10, message: "Too small" })).toBe("Use at least 10 characters.");
    const invalid = issueMessage({ code: "invalid_value", message: 'Invalid option: expected one of "platform"|"outside"|"anonymous"' });
    expect(invalid).toBe(say("domain.input.invalid"));
    expect(localizeDomainMessage("fr", invalid)).toBe("Cette valeur n’est pas valable ; vérifiez-la et réessayez.");
    expect(localizeDomainMessage("nl", "Use at most 20,000 characters.")).toBe("Gebruik maximaal 20.000 tekens.");
  });
});
