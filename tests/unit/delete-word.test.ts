// Deleting an account asks for a word in the page's language (issue 12 leftover): the label and
// the refusal name the same word, and the three words differ from each other.
import { describe, expect, it } from "vitest";
import { LOCALES, t } from "../../src/i18n/index.ts";

describe("account.delete.word", () => {
  it.each(LOCALES)("%s: the label and the refusal ask for the language's own word", (locale) => {
    const word = t(locale, "account.delete.word");
    expect(word).toMatch(/^[A-Z]+$/);
    expect(t(locale, "account.delete.confirm")).toContain(word);
    expect(t(locale, "domain.account.delete_confirm")).toContain(word);
  });

  it("French and Dutch readers are not asked for the English word", () => {
    expect(t("en", "account.delete.word")).toBe("DELETE");
    expect(t("fr", "account.delete.word")).toBe("SUPPRIMER");
    expect(t("nl", "account.delete.word")).toBe("VERWIJDEREN");
  });
});
