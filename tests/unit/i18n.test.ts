// Locale negotiation and the translation fallbacks.
import { describe, expect, it } from "vitest";
import { codeLabel, negotiateLocale, t } from "../../src/i18n/index.ts";
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

describe("t", () => {
  it("fills placeholders and falls back to English", () => {
    expect(t("en", "home.count", { count: 3 })).toBe("3 published posts");
    expect(t("fr", "home.count", { count: 3 })).toBe("3 published posts");
    expect(codeLabel("en", "outcome", "failure")).toBe("Failure");
    expect(codeLabel("en", "outcome", "unknown-code")).toBe("unknown-code");
  });

  it("builds the pseudonymous descriptor from kind and region only", () => {
    expect(describeOrganization("en", { kind: "hospital", region: "flanders" })).toBe("a hospital in Flanders");
    expect(describeOrganization("en", { kind: "care_home", region: "brussels" })).toBe("a care home in Brussels");
    expect(describeOrganization("en", { kind: "vendor" })).toBe("a vendor");
    expect(describeOrganization("en", null)).toBe("an organisation");
  });
});
