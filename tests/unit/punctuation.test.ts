// A label followed by a colon (issue 12 leftover): pages no longer append ":" to a translated label,
// the catalogue does, so French gets its no-break space before the colon and the line never breaks there.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatNumber, t } from "../../src/i18n/index.ts";

describe("common.label_colon and common.label_value", () => {
  it.each([
    ["en", "Funder:", "Funder: Meridian"],
    ["nl", "Funder:", "Funder: Meridian"],
    ["fr", "Funder\u00a0:", "Funder\u00a0: Meridian"],
  ] as const)("%s", (locale, colon, value) => {
    expect(t(locale, "common.label_colon", { label: "Funder" })).toBe(colon);
    expect(t(locale, "common.label_value", { label: "Funder", value: "Meridian" })).toBe(value);
  });

  it("takes a number formatted in the language (pages pass formatNumber)", () => {
    expect(t("fr", "common.label_value", { label: "Constats", value: formatNumber("fr", 1200) })).toBe("Constats\u00a0: 1\u202f200");
  });
});

// Pages and components: a translated label is never followed by a colon or question mark typed in the template.
function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full) : entry.name.endsWith(".astro") ? [full] : [];
  });
}

describe("templates", () => {
  it("append no ':' or '?' to a t(…) label", () => {
    const offenders = files("src").flatMap((file) =>
      readFileSync(file, "utf8")
        .split("\n")
        .flatMap((line, i) => (/\bt\([^)]*\)\}\s?[:?]|\$\{t\([^)]*\)\}\s?[:?]/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(offenders).toEqual([]);
  });
});
