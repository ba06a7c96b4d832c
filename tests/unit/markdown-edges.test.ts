// Rendering details a reader sees (issue 10 §7, from the mutants `npm run mutate` left alive):
// heading levels under "top", table alignment, empty input.
import { describe, expect, it } from "vitest";
import {
  MARKDOWN_BUDGET,
  markdownToPlainText,
  renderedHtmlToPlainText,
  renderMarkdown,
  renderUntrustedMarkdown,
  sanitizeHtml,
} from "../../src/lib/server/markdown.ts";

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

describe("missing fields", () => {
  it("a stored field that is null or undefined renders as nothing instead of failing the page", async () => {
    for (const value of [null, undefined, 42]) {
      expect(renderMarkdown(value as never)).toBe("");
      expect(markdownToPlainText(value as never)).toBe("");
      expect(renderedHtmlToPlainText(value as never)).toBe("");
      expect(sanitizeHtml(value as never)).toBe("");
      expect(await renderUntrustedMarkdown(value as never, { field: "body_md" })).toBe("");
    }
  });
});

describe("what the author wrote, as the reader sees it", () => {
  it.each([
    ["emphasis inside a tight list item", "- an *emphasised* item", "<ul>\n<li>an <em>emphasised</em> item</li>\n</ul>\n"],
    ["an indented code block has no language class", "    let x = 1;", "<pre><code>let x = 1;\n</code></pre>\n"],
    ["an empty fenced block stays empty", "```\n```", "<pre><code></code></pre>\n"],
    ["a fenced block keeps its blank last line", "```\na\n\n```", "<pre><code>a\n\n</code></pre>\n"],
    [
      "an HTML block followed by a paragraph ends without a stray break",
      "<div>\nfoo\n</div>\n\nnext",
      "<p>&lt;div&gt;<br />\nfoo<br />\n&lt;/div&gt;</p>\n<p>next</p>\n",
    ],
    [
      "an image's alt text is trimmed",
      "![ Chest ](https://a.example/x.png)",
      '<p><a href="https://a.example/x.png" rel="ugc nofollow noopener">Chest</a></p>\n',
    ],
    ["an image with an unsafe URL keeps only its alt text", "![x](javascript:alert(1))", "<p>x</p>\n"],
    ["a link with an unsafe URL keeps only its text", "[click](javascript:alert(1))", "<p>click</p>\n"],
    ["a URL padded with spaces still works", "[a](< https://example.org >)", '<p><a href="https://example.org" rel="ugc nofollow noopener">a</a></p>\n'],
    [
      "an image URL's entity is decoded once",
      "![x](https://a.example/?a=1&amp;b=2)",
      '<p><a href="https://a.example/?a=1&amp;b=2" rel="ugc nofollow noopener">x</a></p>\n',
    ],
    // CommonMark: an autolink is taken literally, so its target is exactly the text the reader sees.
    [
      "an autolink goes exactly where its text says",
      "<https://example.org/?a=1&amp;b=2>",
      '<p><a href="https://example.org/?a=1&amp;amp;b=2" rel="ugc nofollow noopener">https://example.org/?a=1&amp;amp;b=2</a></p>\n',
    ],
    ["a path starting with slash-backslash is not a link (browsers read it as another host)", "[a](/\\evil.example/x)", "<p>a</p>\n"],
  ])("%s", (_name, markdown, html) => {
    expect(renderMarkdown(markdown)).toBe(html);
  });

  it("text shown after a render failure keeps its lines and drops surrounding blank space", () => {
    const html = renderMarkdown(`\n\n  ${">".repeat(20_000)} first\r\nsecond\nthird  \n\n`);
    expect(html.startsWith("<p>&gt;&gt;")).toBe(true);
    expect(html.endsWith(" first<br />second<br />third</p>")).toBe(true);
  });

  it("stored HTML without newlines still reads as separate words", () => {
    expect(renderedHtmlToPlainText("<p>one</p><p>two</p><ul><li>three</li><li>four</li></ul>")).toBe("one two three four");
  });
});

describe("renderUntrustedMarkdown options and messages", () => {
  const options = { field: "body_md", label: "the story" } as const;
  it('passes the heading offset to the worker ("top" lifts ### to h2)', async () => {
    expect(await renderUntrustedMarkdown("### Context", { ...options, headingOffset: "top" })).toBe("<h2>Context</h2>\n");
    expect(await renderUntrustedMarkdown("### Context", options)).toBe("<h4>Context</h4>\n");
  });
  it("names the time limit in seconds when refusing a render", async () => {
    await expect(renderUntrustedMarkdown("_a".repeat(50_000), options)).rejects.toMatchObject({
      message: expect.stringContaining(`more than ${MARKDOWN_BUDGET.timeoutMs / 1000} seconds`),
    });
    expect(MARKDOWN_BUDGET.timeoutMs / 1000).toBe(2);
  });
});

describe("excerpts cut on a word", () => {
  it.each([
    // The last space is exactly half-way through the budget: the cut still falls on it.
    ["abcde fghij klm", 11, "abcde…"],
    ["Wait... what happened next", 10, "Wait…"],
  ])("%j in %i characters reads %j", (markdown, maxChars, text) => {
    expect(markdownToPlainText(markdown, maxChars)).toBe(text);
  });
});

describe("character references in text shown as written", () => {
  it("decimal and hexadecimal references inside inline raw HTML show as their characters", () => {
    expect(renderMarkdown("x <pre>caf&#233; &#x263A; &#x1F600;</pre>")).toBe("<p>x &lt;pre&gt;café ☺ 😀&lt;/pre&gt;</p>\n");
  });
});

// More from the surviving mutants (issue 10 §7). Judged equivalent in markdown.ts:
// - the blank-text shortcuts of renderMarkdown, renderedHtmlToPlainText and sanitizeHtml (marked and sanitize-html
//   return "" for blank input too); `token.type === "heading"` → true when shifting levels (only headings render a
//   depth); "top" with no heading at all (`min === 7` → false: the offset then shifts nothing); markdownToPlainText's
//   `headingOffset: 0` (plain text has no levels); the raw HTML block's `text.trim()` (spaces at a paragraph's edges
//   are not displayed, and marked has already dropped its final line break);
// - `"tokens" in token &&` → `||` (a text token without tokens has none to parse either way); the optional chaining
//   and `^` of the code-language and scheme patterns (a `^\S*` match and the scheme group always exist);
// - htmlToText's and decodeEntities' shortcuts for text without "&" or "<" (sanitize-html returns such text
//   unchanged), and its `&quot;` → `"` step (sanitize-html does not escape `"` in text, so it never applies);
// - in the heading-dash rule: `\s+` → `\s` (the spaces are folded again after), ` ?\uE000 ?` → ` ?\uE000 ` (a space
//   always follows the mark there), `after.trim()` and `" "` → `""` (the result is folded and trimmed);
// - renderUntrustedMarkdown's `title = ""` default (only the "feedback" wording names the title, and its one caller
//   passes one);
// - in the worker protocol: the start handshake's `"ready" in message` (the first message is always "ready") and
//   its `"exit"` listener names (one listener per worker at most, rejecting a settled promise); the render id
//   counting down (ids only need to differ); the reply filter (renders run one at a time and a refused render's
//   worker is terminated, so no stale reply arrives); `"html" in message` and the error reply (renderMarkdown never
//   throws in the worker: it catches marked's failures); the crash handler `onExit` emptied (a render
//   whose worker crashed is refused by the timer instead, with the same result); `finish()` in overBudget (the
//   terminated worker takes its listeners with it); `currentWorker = w` (set again after the await).
// Not equivalent but out of reach of in-process tests (no handle on the worker): the 256 MB heap limit, unref(),
// the listeners that forget a worker dying while idle, clearing the start timer, forget()'s identity check, reusing
// the started worker and retrying one that failed to start.
describe("plain text as a snippet shows it", () => {
  it("keeps double quotes and ampersands as typed", () => {
    expect(markdownToPlainText('He said "stop" & left')).toBe('He said "stop" & left');
  });
  it("a private-use character typed by the author is dropped, not read as the end of a heading", () => {
    expect(markdownToPlainText("Intro\uE000 more")).toBe("Intro more");
  });
  it("an empty heading adds no dash, at the start or after another heading", () => {
    expect(markdownToPlainText("##\nThe team")).toBe("The team");
    expect(markdownToPlainText("## What happened\n##\nThe team")).toBe("What happened — The team");
  });
});

describe("links inside links", () => {
  it("an autolink written inside a link's text does not become a second link", () => {
    expect(renderMarkdown("[see <https://example.org>](https://example.com)")).toBe(
      '<p><a href="https://example.com" rel="ugc nofollow noopener">see https://example.org</a></p>\n',
    );
  });
});

describe("the render worker over many renders", () => {
  it("leaves no listener behind per render (a long-running server would leak them and warn)", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      for (let i = 0; i < 15; i++) expect(await renderUntrustedMarkdown(`render **${i}**`, { field: "body_md" })).toBe(`<p>render <strong>${i}</strong></p>\n`);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.startsWith("MaxListenersExceededWarning"))).toEqual([]);
  });
});

describe("blank untrusted text", () => {
  it("a field of spaces only, longer than the size limit, is empty rather than refused", async () => {
    expect(await renderUntrustedMarkdown(" ".repeat(MARKDOWN_BUDGET.maxChars + 1), { field: "body_md" })).toBe("");
  });
});
