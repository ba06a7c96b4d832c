import { describe, expect, it } from "vitest";
import { Marked } from "marked";
import { markdownToPlainText, renderMarkdown, sanitizeHtml } from "../../src/lib/server/markdown.ts";

// Script-injection payloads, written as an author would type them into the Markdown
// editor. Each is checked through renderMarkdown, and also through sanitizeHtml alone
// (on the raw payload and on what an unprotected marked makes of it), so the
// sanitizer is proven on its own and not only behind the renderer's escaping.
const XSS_PAYLOADS: ReadonlyArray<readonly [name: string, markdown: string]> = [
  ["classic script", "<script>alert(1)</script>"],
  ["uppercase script with src", "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>"],
  ["script split by nested script", "<scr<script>ipt>alert(1)</scr</script>ipt>"],
  ["double angle script", "<<script>alert(1)//<</script>"],
  ["inline script after text", "Hello <script>alert(document.cookie)</script> world"],
  ["img onerror", "<img src=x onerror=alert(1)>"],
  ["img onerror eval(src)", "<img src=x:alert(alt) onerror=eval(src) alt=0>"],
  ["svg onload", "<svg onload=alert(1)>"],
  ["svg with script", "<svg><script>alert(1)</script></svg>"],
  ["svg xlink:href", '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>'],
  ["markdown link javascript:", "[click](javascript:alert(1))"],
  ["markdown link with title", '[click](javascript:alert(1) "title")'],
  ["autolink javascript:", "<javascript:alert(1)>"],
  ["reference link javascript:", "[click][evil]\n\n[evil]: javascript:alert(1)"],
  ["reference link entity-encoded", "[click][evil]\n\n[evil]: &#x6A;avascript:alert(1)"],
  ["mixed case scheme", "[click](jaVasCript:alert(1))"],
  ["hex entity first letter", "[click](&#x6A;avascript:alert(1))"],
  ["all decimal entities", "[click](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))"],
  ["named entity colon", "[click](javascript&colon;alert(1))"],
  ["decimal entity colon", "[click](javascript&#58;alert(1))"],
  ["tab inside scheme (angle destination)", "[click](<java\tscript:alert(1)>)"],
  ["&Tab; inside scheme", "[click](java&Tab;script:alert(1))"],
  ["&#x09; inside scheme", "[click](java&#x09;script:alert(1))"],
  ["&NewLine; inside scheme", "[click](java&NewLine;script:alert(1))"],
  ["&#10; inside scheme", "[click](jav&#10;ascript:alert(1))"],
  ["leading entity space", "[click](&#32;javascript:alert(1))"],
  ["data:text/html link", "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
  ["data: autolink", "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>"],
  ["vbscript: link", "[click](vbscript:msgbox(1))"],
  ["image with javascript: src", "![x](javascript:alert(1))"],
  ["image with data: svg", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
  ["image inside link, both javascript:", "[![x](javascript:alert(1))](javascript:alert(2))"],
  ["iframe javascript:", '<iframe src="javascript:alert(1)"></iframe>'],
  ["iframe srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ["object data", '<object data="javascript:alert(1)"></object>'],
  ["embed data:", '<embed src="data:text/html,<script>alert(1)</script>">'],
  ["form action", '<form action="javascript:alert(1)"><button>go</button></form>'],
  ["button formaction", '<form><button formaction="javascript:alert(1)">go</button></form>'],
  ["input autofocus onfocus", "<input autofocus onfocus=alert(1)>"],
  ["style element", '<style>body{background:url("javascript:alert(1)")}</style>'],
  ["style attribute", '<p style="background:url(javascript:alert(1))">x</p>'],
  ["link stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">'],
  ["raw a href javascript:", '<a href="javascript:alert(1)">x</a>'],
  ["raw a href padded, mixed case", '<a href="  JaVaScRiPt:alert(1)">x</a>'],
  ["raw a href tab entity", '<a href="jav&#x09;ascript:alert(1)">x</a>'],
  ["raw a href zero-padded entity", '<a href="jav&#0000097;script:alert(1)">x</a>'],
  ["raw a href entities without semicolons", '<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)">x</a>'],
  ["raw a href data:", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  ["raw a href vbscript:", '<a href="vbscript:msgbox(1)">x</a>'],
  ["math mglyph style namespace confusion", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"],
  ["svg p style namespace confusion", "<svg><p><style><img src=x onerror=alert(1)></style></p></svg>"],
  ["math href", '<math href="javascript:alert(1)">click</math>'],
  ["base href", '<base href="javascript:alert(1)//">'],
  ["meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ["title attribute breakout with double quote", '[x](https://example.com "\\" onclick=\\"alert(1)")'],
  ["title attribute breakout with single quote", "[x](https://example.com 'x\\' onmouseover=\\'alert(1)')"],
  ["image title breakout", '![x](https://example.com/a.png "\\" onerror=\\"alert(1)")'],
  ["autolink with quote breakout", '<https://example.com/" onmouseover="alert(1)>'],
  ["GFM www autolink with quote breakout", 'www.example.com/"onmouseover="alert(1)'],
  ["comment closed early", "<!--><img src=x onerror=alert(1)>-->"],
  ["bogus comment end", "<!-- --!><img src=x onerror=alert(1)> -->"],
  ["noscript mutation XSS", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'],
  ["template with script", "<template><script>alert(1)</script></template>"],
  ["div onclick", '<div onclick="alert(1)">click me</div>'],
  ["details ontoggle", "<details open ontoggle=alert(1)>"],
  ["custom element onclick", "<x-widget onclick=alert(1)>hi</x-widget>"],
  ["video source onerror", "<video><source onerror=alert(1)></video>"],
  ["payload inside blockquote", "> <img src=x onerror=alert(1)>"],
  ["payload inside list", "- <svg onload=alert(1)>"],
  ["payload inside table cell", "| a |\n|---|\n| <img src=x onerror=alert(1)> |"],
  ["payload inside heading", "# <script>alert(1)</script>"],
  ["payload after safe link", "[ok](https://ok.example)[bad](javascript:alert(1))"],
];

const FORBIDDEN_TAG = /<\/?\s*(?:script|iframe|object|embed|form|style|base|meta|svg|math|link|img|input|button|template|noscript|video|source)\b/i;
const URL_ATTRIBUTES = new Set(["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "content"]);
const DANGEROUS_SCHEME = /(?:javascript|vbscript|data):/i;

// What an unprotected pipeline would produce; the sanitizer must cope with it alone.
const unprotected = new Marked({ async: false, gfm: true });

describe("renderMarkdown: script injection", () => {
  it("has at least 40 distinct payloads", () => {
    expect(new Set(XSS_PAYLOADS.map(([, md]) => md)).size).toBe(XSS_PAYLOADS.length);
    expect(XSS_PAYLOADS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(XSS_PAYLOADS)("neutralises %s", (_name, markdown) => {
    const html = renderMarkdown(markdown);
    expectSafe(html);
    // The renderer's own output is narrower still: only allowlisted tags and attributes.
    for (const tag of parseTags(html)) {
      expect(RENDERED_ATTRIBUTES[tag.name], `unexpected <${tag.name}>`).toBeDefined();
      for (const attr of tag.attributes) {
        expect(RENDERED_ATTRIBUTES[tag.name], `unexpected ${attr.name} on <${tag.name}>`).toContain(attr.name);
      }
      if (tag.name === "a") expect(attrValue(tag, "rel")).toBe("ugc nofollow noopener");
    }
  });
});

describe("sanitizeHtml: script injection without the renderer's help", () => {
  it.each(XSS_PAYLOADS)("neutralises %s as raw HTML", (_name, payload) => {
    expectSafe(sanitizeHtml(payload));
  });

  it.each(XSS_PAYLOADS)("neutralises %s after an unprotected marked", (_name, markdown) => {
    expectSafe(sanitizeHtml(unprotected.parse(markdown, { async: false })));
  });
});

describe("renderMarkdown: benign Markdown", () => {
  it.each([
    [
      "paragraph with emphasis, strong, strikethrough and code",
      "Hello *world*, **bold**, ~~gone~~ and `a < b`",
      "<p>Hello <em>world</em>, <strong>bold</strong>, <del>gone</del> and <code>a &lt; b</code></p>",
    ],
    ["# becomes h2", "# Lessons learned", "<h2>Lessons learned</h2>"],
    ["setext heading is shifted too", "Lessons\n===", "<h2>Lessons</h2>"],
    ["###### stays h6", "###### Footnote", "<h6>Footnote</h6>"],
    [
      "link gets exactly the ugc rel",
      "[Casebook](https://casebook.example/about)",
      '<p><a href="https://casebook.example/about" rel="ugc nofollow noopener">Casebook</a></p>',
    ],
    [
      "link title is kept",
      '[Casebook](https://casebook.example/ "About us")',
      '<p><a href="https://casebook.example/" title="About us" rel="ugc nofollow noopener">Casebook</a></p>',
    ],
    ["mailto link", "[Write to us](mailto:team@casebook.example)", '<p><a href="mailto:team@casebook.example" rel="ugc nofollow noopener">Write to us</a></p>'],
    [
      "bare URL and e-mail address become links",
      "See https://example.org or team@casebook.example",
      '<p>See <a href="https://example.org" rel="ugc nofollow noopener">https://example.org</a> or <a href="mailto:team@casebook.example" rel="ugc nofollow noopener">team@casebook.example</a></p>',
    ],
    [
      "URL with spaces and an entity is encoded once",
      "[a](<https://example.org/a b?x=1&amp;y=2>)",
      '<p><a href="https://example.org/a%20b?x=1&amp;y=2" rel="ugc nofollow noopener">a</a></p>',
    ],
    [
      "relative links and anchors are kept",
      "[case](/cases/triage-ai) [top](#top)",
      '<p><a href="/cases/triage-ai" rel="ugc nofollow noopener">case</a> <a href="#top" rel="ugc nofollow noopener">top</a></p>',
    ],
    ["protocol-relative link loses its href", "[elsewhere](//evil.example/x)", "<p>elsewhere</p>"],
    ["non-allowlisted scheme loses its href", "[call](tel:+3212345678)", "<p>call</p>"],
    [
      "table with alignment",
      "| Site | Beds |\n|:-----|-----:|\n| Gent | 1000 |",
      '<table>\n<thead>\n<tr>\n<th align="left">Site</th>\n<th align="right">Beds</th>\n</tr>\n</thead>\n<tbody><tr>\n<td align="left">Gent</td>\n<td align="right">1000</td>\n</tr>\n</tbody></table>',
    ],
    [
      "fenced code keeps its language class",
      "```python\nif a < b:\n    print('ok')\n```",
      "<pre><code class=\"language-python\">if a &lt; b:\n    print('ok')\n</code></pre>",
    ],
    ["language is lower-cased", "```C#\nx\n```", '<pre><code class="language-c#">x\n</code></pre>'],
    ["odd language drops the class", '```"><script>\nx\n```', "<pre><code>x\n</code></pre>"],
    ["blockquote", "> Quoted *text*", "<blockquote>\n<p>Quoted <em>text</em></p>\n</blockquote>"],
    ["nested list", "- one\n- two\n  - nested\n- three", "<ul>\n<li>one</li>\n<li>two<ul>\n<li>nested</li>\n</ul>\n</li>\n<li>three</li>\n</ul>"],
    ["ordered list keeps its start", "3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'],
    ["task list uses ballot boxes, not inputs", "- [x] done\n- [ ] todo", "<ul>\n<li>☑ done</li>\n<li>☐ todo</li>\n</ul>"],
    ["hr", "a\n\n---\n\nb", "<p>a</p>\n<hr />\n<p>b</p>"],
    ["single newline is a line break", "line one\nline two", "<p>line one<br />line two</p>"],
    ["hard line break", "line one  \nline two", "<p>line one<br />line two</p>"],
    ["special characters are escaped", 'Use a < b && c > d, "quoted" it\'s', '<p>Use a &lt; b &amp;&amp; c &gt; d, "quoted" it\'s</p>'],
    ["entities are decoded once", "&lt;b&gt; &copy; &#169; caf&eacute;", "<p>&lt;b&gt; © © café</p>"],
    [
      "French and Dutch accented text",
      "Les données de santé à l’hôpital — één ziekenhuis, coördinatie, ‘zorg’",
      "<p>Les données de santé à l’hôpital — één ziekenhuis, coördinatie, ‘zorg’</p>",
    ],
    [
      "image becomes a link with the alt text",
      '![Chest X-ray](https://img.example/xray.png "Scan")',
      '<p><a href="https://img.example/xray.png" title="Scan" rel="ugc nofollow noopener">Chest X-ray</a></p>',
    ],
    [
      "image without alt shows its URL",
      "![](https://img.example/xray.png)",
      '<p><a href="https://img.example/xray.png" rel="ugc nofollow noopener">https://img.example/xray.png</a></p>',
    ],
    [
      "image inside a link is not a nested link",
      "[![Logo](https://img.example/logo.png)](https://example.org)",
      '<p><a href="https://example.org" rel="ugc nofollow noopener">Logo</a></p>',
    ],
  ])("%s", (_name, markdown, expected) => {
    expect(renderMarkdown(markdown).trim()).toBe(expected);
  });

  it.each([
    ["# h", 0, "<h1>h</h1>"],
    ["## h", 1, "<h3>h</h3>"],
    ["##### h", 2, "<h6>h</h6>"],
    ["> # h", 1, "<blockquote>\n<h2>h</h2>\n</blockquote>"],
    ["## h", -5, "<h1>h</h1>"],
  ])("headingOffset: %j with offset %i", (markdown, headingOffset, expected) => {
    expect(renderMarkdown(markdown, { headingOffset }).trim()).toBe(expected);
  });

  it("falls back to escaped text when nesting exhausts marked's stack", () => {
    const html = renderMarkdown(`${">".repeat(20_000)} <b>x</b>`);
    expect(html.startsWith("<p>&gt;&gt;&gt;")).toBe(true);
    expect(html.endsWith("&lt;b&gt;x&lt;/b&gt;</p>")).toBe(true);
  });

  it.each([[""], ["   "], ["\n\t\n"]])("empty input %j renders nothing", (markdown) => {
    expect(renderMarkdown(markdown)).toBe("");
  });
});

describe("renderMarkdown: raw HTML is shown, not interpreted", () => {
  it.each([
    ["inline tags", "<b>hi</b>", "<p>&lt;b&gt;hi&lt;/b&gt;</p>"],
    ["inline tags with Markdown around", "*a* <span>b</span>", "<p><em>a</em> &lt;span&gt;b&lt;/span&gt;</p>"],
    ["HTML block keeps its lines", "<div>\nfoo\n</div>", "<p>&lt;div&gt;<br />\nfoo<br />\n&lt;/div&gt;</p>"],
    ["comment", "<!-- note to self -->", "<p>&lt;!-- note to self --&gt;</p>"],
    ["raw anchor", '<a href="https://example.org">x</a>', '<p>&lt;a href="https://example.org"&gt;x&lt;/a&gt;</p>'],
    ["script", "<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
    ["text inside inline <pre>", "x <pre>a<b</pre>", "<p>x &lt;pre&gt;a&lt;b&lt;/pre&gt;</p>"],
  ])("%s", (_name, markdown, expected) => {
    expect(renderMarkdown(markdown).trim()).toBe(expected);
  });
});

describe("sanitizeHtml on stored HTML", () => {
  it.each([
    [
      "forces rel and drops target",
      '<a href="https://example.org" target="_blank" rel="opener">x</a>',
      '<a href="https://example.org" rel="ugc nofollow noopener">x</a>',
    ],
    ["unwraps a link whose href is refused", '<p><a href="javascript:alert(1)">x</a></p>', "<p>x</p>"],
    ["keeps only the language class", '<code class="language-js evil">x</code>', '<code class="language-js">x</code>'],
    ["drops a malformed language class", '<code class="language-j(s)">x</code>', "<code>x</code>"],
    ["drops unknown tags but keeps their text", "<div><span>kept</span></div>", "kept"],
    ["drops images entirely", '<p><img src="https://tracker.example/p.gif" alt="x"></p>', "<p></p>"],
    ["drops bad align values", '<table><tbody><tr><td align="justify">x</td></tr></tbody></table>', "<table><tbody><tr><td>x</td></tr></tbody></table>"],
  ])("%s", (_name, html, expected) => {
    expect(sanitizeHtml(html)).toBe(expected);
  });

  it("is idempotent on rendered output", () => {
    const html = renderMarkdown("# T\n\n[a](https://x.example) `c` ![i](/p.png)\n\n| a |\n|:-:|\n| b |");
    expect(sanitizeHtml(html)).toBe(html);
  });
});

describe("markdownToPlainText", () => {
  it.each([
    ["strips markup", "# Title\n\nSome *emphasis* and **bold** with a [link](https://x.org).", "Title — Some emphasis and bold with a link."],
    // Issue 11 §27: a heading does not run into the paragraph after it (search snippets, excerpts).
    [
      "separates a heading from its text",
      "## What happened\n\nThe team built a model.\n\n## Lessons\n\n- one",
      "What happened — The team built a model. Lessons — one",
    ],
    ["no dash after a heading's own punctuation", "## What went wrong?\n\nA lot.", "What went wrong? A lot."],
    ["no dash after a last heading", "Text.\n\n## Trailing", "Text. Trailing"],
    ["nested headings", "## A\n\n### B\n\ntext", "A — B — text"],
    ["separates blocks and list items", "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |", "one two a b 1 2"],
    ["keeps inline markup glued", "un*believ*able", "unbelievable"],
    ["decodes entities", "Caf&eacute; &amp; R&D: 1 &lt; 2 &#8212; &quot;ok&quot;", 'Café & R&D: 1 < 2 — "ok"'],
    ["shows raw HTML as its text", "<b>hi</b> there", "<b>hi</b> there"],
    ["image gives its alt text", "![Ward map](https://img.example/m.png)", "Ward map"],
    ["keeps code", "```js\nlet x = 1;\n```", "let x = 1;"],
    ["collapses whitespace", "a   b\n\n\n\nc\td", "a b c d"],
    ["empty input", "  ", ""],
  ])("%s", (_name, markdown, expected) => {
    expect(markdownToPlainText(markdown)).toBe(expected);
  });

  it.each([
    ["The quick brown fox jumps over the lazy dog", 100, "The quick brown fox jumps over the lazy dog"],
    ["The quick brown fox jumps over the lazy dog", 43, "The quick brown fox jumps over the lazy dog"],
    ["The quick brown fox jumps over the lazy dog", 20, "The quick brown fox…"],
    ["The quick brown fox jumps over the lazy dog", 18, "The quick brown…"],
    ["Hello, world. Again and again", 14, "Hello, world…"],
    ["a supercalifragilisticexpialidocious word", 10, "a superca…"],
    ["**Bold** start of a *long* sentence", 15, "Bold start of…"],
    ["😀😀😀😀😀😀😀😀😀😀", 5, "😀😀😀😀…"],
    ["anything", 0, ""],
  ])("truncates %j to %i characters", (markdown, maxChars, expected) => {
    const text = markdownToPlainText(markdown, maxChars);
    expect(text).toBe(expected);
    expect(Array.from(text).length).toBeLessThanOrEqual(maxChars);
  });
});

// Tags and attributes renderMarkdown may emit.
const RENDERED_ATTRIBUTES: Record<string, readonly string[]> = {
  p: [],
  br: [],
  hr: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  strong: [],
  em: [],
  del: [],
  code: ["class"],
  pre: [],
  blockquote: [],
  ul: [],
  ol: ["start"],
  li: [],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: ["align"],
  td: ["align"],
  a: ["href", "title", "rel"],
};

/** The checks every payload's output must pass; each fails on unsanitised HTML. */
function expectSafe(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(FORBIDDEN_TAG);
  for (const tag of parseTags(html)) {
    for (const attr of tag.attributes) {
      expect(attr.name, `event handler on <${tag.name}>`).not.toMatch(/^on\w+$/i);
      expect(attr.name, `style on <${tag.name}>`).not.toBe("style");
      if (URL_ATTRIBUTES.has(attr.name)) {
        const url = decodeAttribute(attr.value).replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
        expect(url, `${attr.name} on <${tag.name}>`).not.toMatch(DANGEROUS_SCHEME);
      }
    }
  }
}

/** Tags in an HTML string, with their attributes (quoted values may contain ">"). */
function parseTags(html: string): ParsedTag[] {
  const tags: ParsedTag[] = [];
  for (const match of html.matchAll(/<([a-zA-Z][^\s/>]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g)) {
    const attributes: ParsedAttribute[] = [];
    const source = match[2] ?? "";
    for (const attr of source.matchAll(/([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g)) {
      attributes.push({ name: (attr[1] ?? "").toLowerCase(), value: attr[2] ?? attr[3] ?? attr[4] ?? "" });
    }
    tags.push({ name: (match[1] ?? "").toLowerCase(), attributes });
  }
  return tags;
}

function attrValue(tag: ParsedTag, name: string): string | undefined {
  return tag.attributes.find((attr) => attr.name === name)?.value;
}

/** Decodes the character references a browser would decode in an attribute value, including legacy ones without ";". */
function decodeAttribute(value: string): string {
  const named: Record<string, string> = {
    colon: ":",
    Tab: "\t",
    NewLine: "\n",
    amp: "&",
    lt: "<",
    gt: ">",
    quot: '"',
    apos: "'",
    sol: "/",
    lpar: "(",
    rpar: ")",
  };
  return value
    .replace(/&#[xX]([0-9a-fA-F]+);?/g, (_m, hex: string) => String.fromCodePoint(Number.parseInt(hex, 16) % 0x110000))
    .replace(/&#(\d+);?/g, (_m, dec: string) => String.fromCodePoint(Number.parseInt(dec, 10) % 0x110000))
    .replace(/&([a-zA-Z]+);/g, (m, name: string) => named[name] ?? m);
}

type ParsedAttribute = { name: string; value: string };
type ParsedTag = { name: string; attributes: ParsedAttribute[] };
