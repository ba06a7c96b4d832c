import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { MARKDOWN_BUDGET, markdownToPlainText, renderedHtmlToPlainText, renderMarkdown, renderUntrustedMarkdown } from "../../src/lib/server/markdown.ts";

// Inputs on which marked is superlinear (issue 9 §9). Each must either render within the
// budget or be refused with a message naming the field; never block or throw anything else.
const PATHOLOGICAL: ReadonlyArray<readonly [name: string, markdown: string]> = [
  ["'_a' × 50,000", "_a".repeat(50_000)],
  ["'*a' × 50,000", "*a".repeat(50_000)],
  ["'*_a' × 33,333", "*_a".repeat(33_333)],
  ["'**a' × 33,333", "**a".repeat(33_333)],
  ["'***___' runs", "***___".repeat(16_000)],
  ["100,000 '>'", ">".repeat(99_999)],
  ["'[' × 50,000 then ']' × 50,000", `${"[".repeat(50_000)}${"]".repeat(50_000)}`],
  ["'`a' × 50,000", "`a".repeat(50_000)],
  ["blockquotes nested 400 deep", Array.from({ length: 400 }, (_, i) => `${">".repeat(i)} a`).join("\n")],
  ["a list nested 300 deep", Array.from({ length: 300 }, (_, i) => `${"  ".repeat(i)}- a`).join("\n")],
];

const options = { field: "body_md" } as const;

async function outcome(markdown: string): Promise<{ html: string } | { field: string; message: string }> {
  try {
    return { html: await renderUntrustedMarkdown(markdown, options) };
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, message: error.message };
    throw error;
  }
}

describe("renderUntrustedMarkdown", () => {
  it("renders ordinary Markdown exactly as renderMarkdown does", async () => {
    const markdown = "# Context\n\nWe **tried** a _triage_ model; see [the report](https://example.org/r).\n\n- one\n- two";
    expect(await renderUntrustedMarkdown(markdown, { ...options, headingOffset: "top" })).toBe(renderMarkdown(markdown, { headingOffset: "top" }));
  });

  it("renders a realistic 100 KB case study within the budget", async () => {
    const paragraph =
      "## Lessons\n\nWe **learned** that _data quality_ matters more than the model. See [the audit](https://example.org/a).\n\n- a point about *governance*\n- a point about `code`\n\n";
    const markdown = paragraph.repeat(Math.floor(MARKDOWN_BUDGET.maxChars / paragraph.length));
    const result = await outcome(markdown);
    expect(result).toHaveProperty("html");
    expect((result as { html: string }).html).toContain("<strong>learned</strong>");
  });

  it("returns an empty string for empty input without starting a render", async () => {
    expect(await renderUntrustedMarkdown("   ", options)).toBe("");
  });

  it("refuses text over the size limit with a message naming the field", async () => {
    await expect(renderUntrustedMarkdown("a".repeat(MARKDOWN_BUDGET.maxChars + 1), options)).rejects.toMatchObject({
      name: "ValidationError",
      field: "body_md",
      message: "The story is too long: 100,000 characters at most.",
    });
  });

  it.each(PATHOLOGICAL)("%s renders within the budget or is refused by name", async (_name, markdown) => {
    expect(markdown.length).toBeLessThanOrEqual(MARKDOWN_BUDGET.maxChars);
    const result = await outcome(markdown);
    if ("html" in result) {
      expect(result.html.length).toBeGreaterThan(0);
    } else {
      expect(result.field).toBe("body_md");
      expect(result.message).toMatch(/^The formatting of the story is too complex to display/);
    }
  });

  it("refuses the '_a' × 50,000 body of the report (5 s and more on one thread) and still renders afterwards", async () => {
    await expect(renderUntrustedMarkdown("_a".repeat(50_000), options)).rejects.toMatchObject({
      field: "body_md",
      message: expect.stringMatching(/too complex/),
    });
    // The worker that ran over budget was terminated; a fresh one takes the next render.
    expect(await renderUntrustedMarkdown("still *works*", options)).toBe("<p>still <em>works</em></p>\n");
  });

  it("renders concurrent calls in turn, each with its own result", async () => {
    const inputs = Array.from({ length: 5 }, (_, i) => `item **${i}**`);
    const results = await Promise.all(inputs.map((markdown) => renderUntrustedMarkdown(markdown, options)));
    expect(results).toEqual(inputs.map((markdown) => renderMarkdown(markdown)));
  });

  it("the plain text of stored HTML is the plain text of its Markdown, whatever the heading offset", () => {
    const markdown = "# Title\n\nSome *text* &amp; a [link](https://example.org).\n\n> quoted\n\n- a\n- b";
    expect(renderedHtmlToPlainText(renderMarkdown(markdown, { headingOffset: "top" }))).toBe(markdownToPlainText(markdown));
    expect(renderedHtmlToPlainText(renderMarkdown(markdown), 12)).toBe(markdownToPlainText(markdown, 12));
  });
});
