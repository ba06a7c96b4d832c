// Rendering details a reader sees (issue 10 §7, from the mutants `npm run mutate` left alive):
// heading levels under "top", table alignment, empty input.
import { describe, expect, it } from "vitest";
import { markdownToPlainText, renderMarkdown } from "../../src/lib/server/markdown.ts";

describe("headingOffset", () => {
  it.each([
    ["### Deep\n\n#### Deeper", "<h2>Deep</h2>\n<h3>Deeper</h3>\n"],
    ["# One\n\n## Two", "<h2>One</h2>\n<h3>Two</h3>\n"],
    ["no heading at all", "<p>no heading at all</p>\n"],
  ])('"top" makes the highest heading of %j an h2', (markdown, html) => {
    expect(renderMarkdown(markdown, { headingOffset: "top" })).toBe(html);
  });

  it("a number shifts every heading by that many levels", () => {
    expect(renderMarkdown("### Deep", { headingOffset: 0 })).toBe("<h3>Deep</h3>\n");
    expect(renderMarkdown("# One", { headingOffset: 2 })).toBe("<h3>One</h3>\n");
  });
});

describe("tables", () => {
  it("keep each column's alignment", () => {
    const html = renderMarkdown("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |");
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<th align="center">b</th>');
    expect(html).toContain('<th align="right">c</th>');
    expect(html).toContain('<td align="center">2</td>');
  });
});

describe("empty input", () => {
  it.each(["", "   ", "\n\t\n"])("%j renders as nothing", (markdown) => {
    expect(renderMarkdown(markdown)).toBe("");
    expect(markdownToPlainText(markdown)).toBe("");
  });
});
