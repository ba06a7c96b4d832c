// File sizes in the reader's language (issue 12 §2): French reads "Mo" and a decimal comma.
import { describe, expect, it } from "vitest";
import { formatFileSize } from "../../src/i18n/filesize.ts";
import { tooLargeResponse } from "../../src/lib/server/bodylimit.ts";
import { FORM_TEXT_BYTES, MAX_ATTACHMENT_BYTES } from "../../src/lib/limits.ts";

const MB = 1024 * 1024;
// Intl separates number and unit with a no-break space; compare on plain spaces.
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, " ");

describe("formatFileSize", () => {
  it.each([
    ["en", 10 * MB, "10 MB"],
    ["fr", 10 * MB, "10 Mo"],
    ["nl", 10 * MB, "10 MB"],
    ["en", 2.5 * MB, "2.5 MB"],
    ["fr", 2.5 * MB, "2,5 Mo"],
    ["nl", 2.5 * MB, "2,5 MB"],
    ["fr", 1.26 * MB, "1,3 Mo"],
  ] as const)("%s, %i bytes → %s", (locale, bytes, expected) => {
    expect(plain(formatFileSize(locale, bytes))).toBe(expected);
  });

  it("never breaks the line between the number and its unit", () => {
    expect(formatFileSize("fr", MAX_ATTACHMENT_BYTES)).toMatch(/^10[\u00a0\u202f]Mo$/);
  });

  it("the too-large page says Mo to a French reader", async () => {
    const html = plain(await tooLargeResponse(new Request("http://localhost/fr/write"), FORM_TEXT_BYTES, "fr").text());
    expect(html).toContain("(1 Mo)");
    expect(html).not.toMatch(/\d MB/);
  });
});
