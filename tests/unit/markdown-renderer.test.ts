// The renderer on its own (DESIGN.md §5 invariant 3: "two layers, each safe on its own"). Here the
// allowlist sanitizer is switched off for this file, so these tests prove what marked and the
// renderer emit before it: a renderer bug would otherwise be hidden by the sanitizer behind it.
// (sanitize-html is kept as is for the text-only decoding the renderer itself uses.)
import { describe, expect, it, vi } from "vitest";
import { renderMarkdown } from "../../src/lib/server/markdown.ts";

vi.mock("sanitize-html", async (importOriginal) => {
  const actual = (await importOriginal()) as { default: (html: string, options?: { allowedTags?: unknown[] }) => string };
  const real = actual.default;
  // Text-only decoding (no allowed tags) still runs; the allowlist pass becomes the identity.
  const passThrough = (html: string, options?: { allowedTags?: unknown[] }) => (options?.allowedTags?.length === 0 ? real(html, options) : html);
  return { default: Object.assign(passThrough, real) };
});

describe("the renderer without the sanitizer", () => {
  it("is really running without it", () => {
    // marked writes <br>; the sanitizer would serialise it as <br />.
    expect(renderMarkdown("a\nb")).toBe("<p>a<br>b</p>\n");
  });

  it.each([
    ["javascript:", "[x](javascript:alert(1))"],
    ["upper-case scheme", "[x](JaVaScRiPt:alert(1))"],
    ["entity-encoded first letter", "[x](&#x6A;avascript:alert(1))"],
    ["entity-encoded colon", "[x](javascript&colon;alert(1))"],
    ["tab inside the scheme", "[x](<java\tscript:alert(1)>)"],
    ["&Tab; inside the scheme", "[x](java&Tab;script:alert(1))"],
    ["leading control character", "[x](&#1;javascript:alert(1))"],
    ["zero-width space inside the scheme", "[x](java&#x200B;script:alert(1))"],
    ["data:", "[x](data:text/html;base64,PHNjcmlwdD4=)"],
    ["vbscript:", "[x](vbscript:msgbox(1))"],
    ["tel: (not allowlisted)", "[x](tel:+3212345678)"],
    ["protocol-relative", "[x](//evil.example/x)"],
    ["two backslashes", "[x](<\\\\\\\\evil.example/x>)"],
    ["slash and backslash", "[x](/\\evil.example/x)"],
    ["empty destination", "[x](<>)"],
    ["image with javascript:", "![x](javascript:alert(1))"],
    ["autolink javascript:", "<javascript:alert(1)>"],
  ])("a link to %s is only its text", (_name, markdown) => {
    const html = renderMarkdown(markdown);
    expect(html).not.toContain("<a");
    expect(html).not.toMatch(/href/i);
  });

  it.each([
    ["https", "[x](https://example.org/a)", "https://example.org/a"],
    ["mailto", "[x](mailto:team@example.org)", "mailto:team@example.org"],
    ["a relative path", "[x](/cases/triage-ai)", "/cases/triage-ai"],
    ["a relative path with a colon in its query", "[x](/search?q=a:b)", "/search?q=a:b"],
    ["a relative path with a double slash inside", "[x](/a//b)", "/a//b"],
    ["an anchor", "[x](#top)", "#top"],
    ["an already-encoded URL, not encoded twice", "[x](https://example.org/%41%20b)", "https://example.org/%41%20b"],
    ["spaces, encoded once", "[x](<https://example.org/a b>)", "https://example.org/a%20b"],
  ])("a link to %s is kept", (_name, markdown, href) => {
    expect(renderMarkdown(markdown)).toBe(`<p><a href="${href}" rel="ugc nofollow noopener">x</a></p>\n`);
  });

  it("a title with markup characters and an entity is escaped once", () => {
    expect(renderMarkdown('[x](https://example.org "1 < 2 &amp; \\"3\\"")')).toBe(
      '<p><a href="https://example.org" title="1 &lt; 2 &amp; &quot;3&quot;" rel="ugc nofollow noopener">x</a></p>\n',
    );
  });

  it("raw HTML and code stay text", () => {
    expect(renderMarkdown('<img src=x onerror="alert(1)">')).toBe("<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>\n");
    expect(renderMarkdown("```\n&amp; <b>\n```")).toBe("<pre><code>&amp;amp; &lt;b&gt;\n</code></pre>\n");
  });
});
