// Locale negotiation, the translation fallbacks, and the catalogues themselves: every message
// of every language parses and formats, languages agree on keys and arguments, plurals inflect.
import {
  isArgumentElement,
  isDateElement,
  isNumberElement,
  isPluralElement,
  isSelectElement,
  isTagElement,
  isTimeElement,
  type MessageFormatElement,
  parse,
} from "@formatjs/icu-messageformat-parser";
import { describe, expect, it, vi } from "vitest";
import { en } from "../../src/i18n/en.ts";
import {
  availableCatalogues,
  codeLabel,
  formatMoney,
  formatNumber,
  LOCALES,
  type Locale,
  type MessageKey,
  negotiateLocale,
  pluralCategory,
  renderedLanguage,
  t,
} from "../../src/i18n/index.ts";
import { describeOrganization } from "../../src/lib/server/orgs.ts";

describe("negotiateLocale", () => {
  it.each([
    [null, null, "en"],
    ["nl", "fr-BE,fr;q=0.9", "nl"],
    [null, "fr-BE,fr;q=0.9,en;q=0.5", "fr"],
    [null, "de-DE,de;q=0.9,nl;q=0.8,en;q=0.7", "nl"],
    [null, "en;q=0.3, nl;q=0.9", "nl"],
    [null, "de, es", "en"],
    [null, "fr;q=0, nl", "nl"],
    ["xx", "garbage;;;", "en"],
  ])("user %s + Accept-Language %s → %s", (user, accept, expected) => {
    expect(negotiateLocale(user, accept)).toBe(expected);
  });
});

/** How an argument is used in a message: as a number (plural, number) or as text (simple, select), or a date. */
type ArgKind = "number" | "text" | "date";

/** Every argument of a parsed message with how it is used (nested plural and select branches included). */
function argumentsOf(elements: MessageFormatElement[], found = new Map<string, Set<ArgKind>>()): Map<string, Set<ArgKind>> {
  const add = (name: string, kind: ArgKind) => found.set(name, (found.get(name) ?? new Set()).add(kind));
  for (const el of elements) {
    if (isArgumentElement(el) || isSelectElement(el)) add(el.value, "text");
    else if (isNumberElement(el) || isPluralElement(el)) add(el.value, "number");
    else if (isDateElement(el) || isTimeElement(el)) add(el.value, "date");
    if (isPluralElement(el) || isSelectElement(el)) for (const option of Object.values(el.options)) argumentsOf(option.value, found);
    if (isTagElement(el)) argumentsOf(el.children, found);
  }
  return found;
}

/** Parses as t() does (tags are text). */
const parsed = (message: string) => parse(message, { ignoreTag: true });

/** Dummy values for every argument: numbers for plurals, a word for text, "other" for selects. */
function dummyValues(elements: MessageFormatElement[], count = 2): Record<string, string | number> {
  return Object.fromEntries([...argumentsOf(elements)].map(([name, kinds]) => [name, kinds.has("number") ? count : kinds.has("date") ? 0 : "other"]));
}

const catalogues = Object.entries(availableCatalogues()) as [Locale, Record<MessageKey, string>][];
const keys = Object.keys(en) as MessageKey[];
const pluralKeys = keys.filter((key) => [...argumentsOf(parsed(en[key])).values()].some((kinds) => kinds.has("number")));

describe("catalogues", () => {
  it("English is always there, and every language present has exactly the English keys", () => {
    expect(catalogues.map(([locale]) => locale)).toContain("en");
    for (const [locale, catalogue] of catalogues) {
      const missing = keys.filter((key) => !(key in catalogue));
      const extra = Object.keys(catalogue).filter((key) => !(key in en));
      expect({ locale, missing, extra }).toEqual({ locale, missing: [], extra: [] });
    }
  });

  it.each(catalogues)("every %s message parses, and formats with dummy values without errors or leftover braces", (locale, catalogue) => {
    const problems: string[] = [];
    for (const key of keys) {
      const message = catalogue[key];
      try {
        const values = dummyValues(parsed(message));
        const text = t(locale, key, values);
        if (/[{}]|NaN|undefined/.test(text)) problems.push(`${key}: leftover in “${text}”`);
      } catch (error) {
        problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(catalogues.filter(([locale]) => locale !== "en"))(
    "%s messages use the same arguments as the English ones, numbers where English counts",
    (locale, catalogue) => {
      const problems: string[] = [];
      for (const key of keys) {
        const mine = argumentsOf(parsed(catalogue[key]));
        const english = argumentsOf(parsed(en[key]));
        const names = (args: Map<string, Set<ArgKind>>) => [...args.keys()].sort().join(", ");
        if (names(mine) !== names(english)) problems.push(`${key}: {${names(mine)}} instead of {${names(english)}}`);
        // A count English inflects must inflect here too (else "1 publications"); a count English shows as is may inflect.
        for (const [name, kinds] of english) if (kinds.has("number") && !mine.get(name)?.has("number")) problems.push(`${key}: {${name}} is not a plural`);
      }
      expect({ locale, problems }).toEqual({ locale, problems: [] });
    },
  );

  // French puts a no-break space before : ; ? ! and inside « » (so the sign never starts a line);
  // 112 messages had a plain one, mixed with 145 that had it right.
  it("French messages keep their high punctuation and guillemets on the line with a no-break space, and write ’", () => {
    const fr = catalogues.find(([locale]) => locale === "fr")?.[1];
    expect(fr).toBeDefined();
    // …and its apostrophe is the typographic one, as in most of the catalogue (l’équipe, not l'équipe).
    const wrong = keys.filter((key) => / [:;?!»]|« |\p{L}'\p{L}/u.test(fr![key]));
    expect(wrong).toEqual([]);
    expect(t("fr", "auth.signin.forgot")).toMatch(/é\u00a0\?$/);
  });

  // Their callers pass an already formatted number ("1,234") or the literal "{count}" for the word-count script: a plural would read NaN.
  it.each(catalogues)("%s keeps {count} plain where callers pass text (searchpage.count.other, write.words.other)", (_locale, catalogue) => {
    for (const key of ["searchpage.count.other", "write.words.other"] as const) {
      expect([...(argumentsOf(parsed(catalogue[key])).get("count") ?? [])]).toEqual(["text"]);
    }
  });

  it("English messages without plurals or selects render exactly as the old string replacement did (apostrophes included)", () => {
    const changed: string[] = [];
    for (const key of keys) {
      const elements = parsed(en[key]);
      const values = Object.fromEntries([...argumentsOf(elements).keys()].map((name) => [name, `«${name}»`]));
      if ([...argumentsOf(elements).values()].some((kinds) => !kinds.has("text")) || elements.some((el) => isSelectElement(el))) continue;
      const before = en[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
      if (t("en", key, values) !== before) changed.push(key);
    }
    expect(changed).toEqual([]);
  });

  it("the plural messages are the ones converted for issue 12 (translators: these need ICU plurals)", () => {
    expect(pluralKeys).toEqual(
      expect.arrayContaining([
        "home.count",
        "mod.bulk.done",
        "signoff.waiting",
        "calls.recorded",
        "searchpage.facet.count",
        "mod.reported.count",
        "review.identity.descriptor_value",
        "descriptor.preview",
        "descriptor.preview.applicant",
        "insights.counts",
        "insights.overall_caption",
      ]),
    );
  });
});

describe("plurals", () => {
  it.each([
    [0, "0 published posts"],
    [1, "1 published post"],
    [2, "2 published posts"],
    [1234, "1,234 published posts"],
  ])("English: %i → %s", (count, expected) => {
    expect(t("en", "home.count", { count })).toBe(expected);
  });

  it("English: the former “(s)” messages agree with their counts", () => {
    expect(t("en", "mod.bulk.done", { count: 1 })).toBe("1 record approved and published.");
    expect(t("en", "mod.bulk.done", { count: 3 })).toBe("3 records approved and published.");
    expect(t("en", "signoff.waiting", { count: 1 })).toBe("1 post waits for your sign-off as DPO.");
    expect(t("en", "signoff.waiting", { count: 2 })).toBe("2 posts wait for your sign-off as DPO.");
    expect(t("en", "calls.recorded", { count: 1, consent: 0 })).toBe("1 decision recorded and sent to moderation; no consent request sent.");
    expect(t("en", "calls.recorded", { count: 4, consent: 1 })).toBe("4 decisions recorded and sent to moderation; 1 consent request sent to the applicant.");
    expect(t("en", "insights.counts", { decisions: 1, rejected: 2 })).toBe("1 published decision, of which 2 refusals.");
  });

  // 0, 1, 2 and a million: French puts 0 with 1 and has a “many” form for millions; Dutch and English put 0 with 2.
  it.each(catalogues)("%s: every plural message formats 0, 1, 2 and 1,000,000, and 1 reads differently from 2", (locale, catalogue) => {
    const problems: string[] = [];
    for (const key of pluralKeys) {
      const elements = parsed(catalogue[key]);
      const texts = [0, 1, 2, 1_000_000].map((n) => t(locale, key, dummyValues(elements, n)));
      for (const text of texts) if (/[{}#]|NaN/.test(text)) problems.push(`${key}: “${text}”`);
      const [, one, two] = texts.map((text) => text.replace(/\d+/g, "N"));
      if (one === two) problems.push(`${key}: 1 and 2 read the same: “${one}”`);
    }
    expect(problems).toEqual([]);
  });
});

describe("t", () => {
  it("fills arguments; a language without a catalogue falls back to English", () => {
    expect(t("en", "auth.signup.check_mail", { email: "a@b.be" })).toContain("if a@b.be can be used");
    expect(codeLabel("en", "outcome", "failure")).toBe("Failure");
    expect(codeLabel("en", "outcome", "unknown-code")).toBe("unknown-code");
    for (const locale of LOCALES) {
      if (availableCatalogues()[locale]) expect(renderedLanguage(locale)).toBe(locale);
      else {
        expect(renderedLanguage(locale)).toBe("en");
        expect(t(locale, "home.count", { count: 3 })).toBe("3 published posts");
      }
    }
  });

  it("returns the same text for the same arguments from its cache, and never a previous call's", () => {
    const first = [1, 2, 1, 7].map((count) => t("en", "home.count", { count }));
    expect(first).toEqual(["1 published post", "2 published posts", "1 published post", "7 published posts"]);
    expect([1, 2, 1, 7].map((count) => t("en", "home.count", { count }))).toEqual(first);
    expect(t("en", "nav.home")).toBe(t("en", "nav.home"));
    for (const [locale] of catalogues) expect(t(locale, "signoff.waiting", { count: 5 })).toBe(t(locale, "signoff.waiting", { count: 5 }));
  });

  it("formats right from its kept results past the number it keeps per message, and keeps arguments apart", () => {
    const expected = (n: number) => `${formatNumber("en", n)} published post${n === 1 ? "" : "s"}`;
    for (let round = 0; round < 2; round++) for (let n = 0; n < 600; n++) expect(t("en", "home.count", { count: n })).toBe(expected(n));
    expect(t("en", "auth.signup.check_mail", { email: "a@b.be" })).toContain("if a@b.be can be used");
    expect(t("en", "auth.signup.check_mail", { email: "c@d.be" })).toContain("if c@d.be can be used");
  });

  it("never throws: an unknown key shows the key, a missing argument shows the message as written", () => {
    expect(t("en", "no.such.key" as MessageKey)).toBe("no.such.key");
    expect(t("fr", "no.such.key" as MessageKey)).toBe("no.such.key");
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(t("en", "auth.signup.check_mail")).toBe(en["auth.signup.check_mail"]);
      expect(t("en", "home.count")).toBe(en["home.count"]);
      // In its own language, not English: the writing form hands "{count} mots" to its script this way.
      for (const [locale, catalogue] of catalogues) expect(t(locale, "auth.signup.check_mail")).toBe(catalogue["auth.signup.check_mail"]);
      // The gap is logged (once per message), so it gets fixed.
      expect(log.mock.calls.map((call) => String(call[0]))).toEqual(
        expect.arrayContaining([expect.stringContaining("en:auth.signup.check_mail"), expect.stringContaining("en:home.count")]),
      );
    } finally {
      log.mockRestore();
    }
  });

  it("gives the plural category of the rendered language to code that picks .one/.other keys itself", () => {
    expect([0, 1, 2].map((n) => pluralCategory("en", n))).toEqual(["other", "one", "other"]);
    const french = renderedLanguage("fr") === "fr" ? ["one", "one", "other", "many"] : ["other", "one", "other", "other"];
    expect([0, 1, 2, 1_000_000].map((n) => pluralCategory("fr", n))).toEqual(french);
    expect([0, 1, 2].map((n) => pluralCategory("nl", n))).toEqual(["other", "one", "other"]);
  });

  it("formats numbers and amounts the way each rendered language writes them", () => {
    expect(formatNumber("en", 1234567)).toBe("1,234,567");
    expect(formatMoney("en", 25000)).toBe("€25,000");
    expect(formatNumber("en", null)).toBe("");
    expect(formatNumber("en", Number.NaN)).toBe("");
    const expected: Record<Locale, string> = { en: "1,234,567", fr: "1 234 567", nl: "1.234.567" };
    for (const locale of LOCALES) expect(formatNumber(locale, 1234567).replace(/\s/g, " ")).toBe(expected[renderedLanguage(locale)]);
  });

  it("builds the pseudonymous descriptor from kind and region only", () => {
    expect(describeOrganization("en", { kind: "hospital", region: "flanders" })).toBe("a hospital in Flanders");
    expect(describeOrganization("en", { kind: "care_home", region: "brussels" })).toBe("a care home in Brussels");
    expect(describeOrganization("en", { kind: "vendor" })).toBe("a vendor");
    expect(describeOrganization("en", null)).toBe("an organisation");
  });
});
