// The editorial pages exist in English, French and Dutch with the same structure, and
// getEditorialPage serves the requested language (issue 12 §1).
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../../content/pages");
const ENGLISH = readdirSync(path.join(ROOT, "en")).filter((f) => f.endsWith(".md"));

/** What must match between translations: heading levels in order, list items, links, addresses, placeholders. */
function shape(markdown: string) {
  return {
    headings: [...markdown.matchAll(/^(#+)\s/gm)].map((m) => m[1]!.length),
    listItems: (markdown.match(/^\s*[-*]\s/gm) ?? []).length,
    links: [...markdown.matchAll(/\]\(([^)]+)\)|<((?:https?:|mailto:)[^>]+)>|\bhttps?:\/\/[^\s)>]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/g)]
      .map((m) => m[1] ?? m[2] ?? m[0])
      .sort(),
    placeholders: (markdown.match(/\{\{\w+\}\}/g) ?? []).sort(),
  };
}

describe("the editorial pages' translations", () => {
  it("include at least the four pages in English", () => {
    expect(ENGLISH.sort()).toEqual(expect.arrayContaining(["about.md", "guidelines.md", "moderation.md", "privacy.md"]));
  });

  it.each(ENGLISH.flatMap((file) => ["fr", "nl"].map((lang) => [lang, file] as const)))(
    "%s/%s exists with the English page's headings, lists, links and placeholders",
    (lang, file) => {
      const english = readFileSync(path.join(ROOT, "en", file), "utf8");
      const translated = readFileSync(path.join(ROOT, lang, file), "utf8");
      expect(shape(english).headings.length).toBeGreaterThan(1);
      expect(shape(translated)).toEqual(shape(english));
      // A translation, not a copy: no sentence-length line is left in English (one-word headings such as "Contact" may coincide).
      const englishLines = new Set(english.split("\n").map((line) => line.trim()));
      expect(translated.split("\n").filter((line) => line.trim().split(/\s+/).length > 3 && englishLines.has(line.trim()))).toEqual([]);
    },
  );

  it("have no page in French or Dutch that English lacks", () => {
    for (const lang of ["fr", "nl"]) expect(readdirSync(path.join(ROOT, lang)).sort(), lang).toEqual([...ENGLISH].sort());
  });
});

describe("getEditorialPage", () => {
  const env = { ...process.env };
  beforeEach(() => vi.resetModules());
  afterEach(() => {
    process.env = { ...env };
  });

  it("returns each page in the requested language, tagged with it, and English when asked", async () => {
    process.env.CONTACT_EMAIL = "appeals@casebook.example";
    const { getEditorialPage } = await import("../../src/lib/server/pages.ts");
    for (const slug of ["about", "guidelines", "moderation-policy", "privacy"]) {
      const en = getEditorialPage(slug, "en")!;
      const fr = getEditorialPage(slug, "fr")!;
      const nl = getEditorialPage(slug, "nl")!;
      expect([en.lang, fr.lang, nl.lang], slug).toEqual(["en", "fr", "nl"]);
      expect(new Set([en.title, fr.title, nl.title]).size, slug).toBe(3);
    }
    const privacy = getEditorialPage("privacy", "fr")!;
    expect(privacy.title).toBe("Déclaration de confidentialité");
    expect(privacy.html).toContain("Autorité de protection des données");
    expect(getEditorialPage("privacy", "nl")!.title).toBe("Privacyverklaring");
    // Rendered once per language: the same object comes back.
    expect(getEditorialPage("privacy", "fr")).toBe(privacy);
    // The contact address becomes a link in every language.
    for (const lang of ["en", "fr", "nl"] as const) {
      expect(getEditorialPage("moderation-policy", lang)!.html, lang).toContain('href="mailto:appeals@casebook.example"');
    }
    expect(getEditorialPage("moderation", "fr")).toBeNull();
    expect(getEditorialPage("no-such-page", "nl")).toBeNull();
  });

  it("says in the page's own language that no contact address is configured", async () => {
    delete process.env.CONTACT_EMAIL;
    delete process.env.CASEBOOK_ADMIN_EMAIL;
    const { getEditorialPage } = await import("../../src/lib/server/pages.ts");
    expect(getEditorialPage("moderation-policy", "en")!.html).toContain("no contact address is configured yet");
    expect(getEditorialPage("moderation-policy", "fr")!.html).toContain("à l'exploitant de la plateforme (aucune adresse de contact n'est encore configurée)");
    expect(getEditorialPage("moderation-policy", "nl")!.html).toContain("via de beheerder van het platform (er is nog geen contactadres ingesteld)");
    for (const lang of ["en", "fr", "nl"] as const) expect(getEditorialPage("moderation-policy", lang)!.html).not.toContain("{{");
  });
});
