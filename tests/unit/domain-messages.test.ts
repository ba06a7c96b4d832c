// Domain messages the server words in English are shown in the page's language through the
// catalogue's `domain.*` keys (localizeDomainMessage): the English must stay the server's exact text.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { en, type MessageKey } from "../../src/i18n/en.ts";
import { localizeDomainMessage, t } from "../../src/i18n/index.ts";

const serverSources = [
  ...readdirSync("src/lib/server")
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `src/lib/server/${f}`),
  "src/actions/index.ts",
]
  .map((file) => readFileSync(file, "utf8"))
  .join("\n");
const domainKeys = (Object.keys(en) as MessageKey[]).filter((key) => key.startsWith("domain."));

describe("domain messages", () => {
  it.each(domainKeys)("%s is still worded so by the server", (key) => {
    expect(serverSources).toContain(`"${en[key]}"`);
  });

  it.each(domainKeys)("%s reads in French and Dutch, not in English", (key) => {
    for (const locale of ["fr", "nl"] as const) {
      const shown = localizeDomainMessage(locale, en[key]);
      expect(shown).toBe(t(locale, key));
      expect(shown).not.toBe(en[key]);
    }
  });

  it("leaves English pages and messages the catalogue does not have as the server worded them", () => {
    expect(localizeDomainMessage("en", "Choose at least one care setting.")).toBe("Choose at least one care setting.");
    expect(localizeDomainMessage("fr", "Row 3: Unknown call.")).toBe("Row 3: Unknown call.");
    expect(localizeDomainMessage("nl", "Choose at least one care setting.")).toBe("Kies minstens één zorgsetting.");
  });
});
