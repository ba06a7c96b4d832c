// The sanitizer on its own (issue 10 §5). Today it only ever receives marked's output, which
// already escapes raw HTML, so a weakened allowlist (an `onclick` allowed on <a>, protocol-
// relative URLs allowed) passed every other test. Here every tag the allowlist names — read
// from the allowlist itself, so a newly allowed tag is covered at once — carries event
// handlers, `style`, `srcset`, `formaction`, `xlink:href` and hostile URLs (protocol-relative,
// entity-encoded, split by control characters), fed to the sanitizer directly, after an
// unprotected marked, and through the full render. The output is parsed (linkedom) and
// nothing executable or off-site-by-sleight may survive.
import { parseHTML } from "linkedom";
import { Marked } from "marked";
import { describe, expect, it } from "vitest";
import { SANITIZER_ALLOWLIST, renderMarkdown, sanitizeHtml } from "../../src/lib/server/markdown.ts";

const VOID_TAGS = new Set(["br", "hr", "img", "input", "wbr", "col", "area", "source", "track"]);
// Benign values for the attributes a tag may keep, so the element survives and the attack
// sits next to legitimate attributes (an <a> without href is unwrapped, which would hide an
// `onclick` kept on a real link).
const BENIGN: Record<string, string> = { href: "https://ok.example/page", title: "a title", rel: "x", class: "language-js", start: "2", align: "left" };

/** Hostile URLs; `decoded` is what a browser would navigate to. */
const HOSTILE_URLS: ReadonlyArray<readonly [name: string, value: string]> = [
  ["protocol-relative", "//evil.example/steal"],
  ["protocol-relative with leading spaces", "   //evil.example/steal"],
  ["backslash protocol-relative", "\\\\evil.example/steal"],
  ["slash-backslash protocol-relative", "/\\evil.example/steal"],
  ["entity-encoded protocol-relative", "&#47;&#47;evil.example/steal"],
  ["javascript:", "javascript:alert(1)"],
  ["entity-encoded first letter", "&#106;avascript:alert(1)"],
  ["hex entity first letter", "&#x6A;avascript:alert(1)"],
  ["tab entity inside the scheme", "jav&#x09;ascript:alert(1)"],
  ["newline entity inside the scheme", "java&#10;script:alert(1)"],
  ["entity colon", "javascript&colon;alert(1)"],
  ["mixed case", "JaVaScRiPt:alert(1)"],
  ["data:", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="],
  ["vbscript:", "vbscript:msgbox(1)"],
];

/** Attributes that run script or load from elsewhere, as raw HTML attribute text. */
const HOSTILE_ATTRIBUTES: ReadonlyArray<readonly [name: string, attribute: string]> = [
  ["onclick", 'onclick="alert(1)"'],
  ["ONCLICK upper case", "ONCLICK=alert(1)"],
  ["onerror", "onerror=alert(1)"],
  ["onfocus with autofocus", 'autofocus tabindex="0" onfocus="alert(1)"'],
  ["onmouseover unquoted", "onmouseover=alert(1)"],
  ["onanimationstart with style", 'style="animation-name:spin" onanimationstart="alert(1)"'],
  ["style with a javascript: url", 'style="background:url(javascript:alert(1))"'],
  ["style expression", 'style="width:expression(alert(1))"'],
  ["srcset", 'srcset="javascript:alert(1) 1x, //evil.example/a.png 2x"'],
  ["formaction", 'formaction="javascript:alert(1)"'],
  ["xlink:href", 'xlink:href="javascript:alert(1)"'],
  ["srcdoc", 'srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"'],
  ...HOSTILE_URLS.flatMap(([name, url]) =>
    ["href", "src", "action", "formaction", "xlink:href", "cite", "background", "poster", "data"].map(
      (attr) => [`${attr} ${name}`, `${attr}="${url.replace(/"/g, "&quot;")}"`] as const,
    ),
  ),
];

function element(tag: string, hostile: string): string {
  const hostileNames = new Set([...hostile.matchAll(/(?:^|\s)([a-z:]+)=/gi)].map((m) => m[1]!.toLowerCase()));
  const benign = (SANITIZER_ALLOWLIST.attributes[tag] ?? [])
    .filter((name) => !hostileNames.has(name))
    .map((name) => `${name}="${BENIGN[name] ?? "x"}"`)
    .join(" ");
  const open = `<${tag} ${benign} ${hostile}>`;
  return VOID_TAGS.has(tag) ? open : `${open}text</${tag}>`;
}

const TAGS = [...SANITIZER_ALLOWLIST.tags];
const payloadsFor = (tag: string) => HOSTILE_ATTRIBUTES.map(([name, attribute]) => [name, element(tag, attribute)] as const);

// What an unprotected pipeline would produce; the sanitizer must cope with it alone.
const unprotected = new Marked({ async: false, gfm: true });

// Characters browsers drop inside URLs or ignore before the scheme.
const IGNORED_IN_URLS = /[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g;

/** Fails unless every element and attribute of `html` is allowlisted and every link is a safe URL. */
function expectNothingExecutable(html: string, context: string): void {
  // On the raw text first: attributes a lenient parser might not report.
  expect(html, context).not.toMatch(/<[^>]*[\s/"'](?:on[a-z]+|style|srcset|formaction|xlink:href|src|action|srcdoc)\s*=/i);
  const { document } = parseHTML(`<!doctype html><html><body>${html}</body></html>`);
  for (const el of document.body.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    expect(SANITIZER_ALLOWLIST.tags, `${context}: <${tag}>`).toContain(tag);
    for (const { name, value } of el.attributes) {
      expect(name, `${context}: ${name} on <${tag}>`).not.toMatch(/^on|^style$|^srcset$|^formaction$|^xlink:href$|^src$|^action$/i);
      expect(SANITIZER_ALLOWLIST.attributes[tag] ?? [], `${context}: ${name} on <${tag}>`).toContain(name);
      if (name === "href") {
        const url = value.replace(IGNORED_IN_URLS, "");
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
        if (scheme !== undefined) expect(["http", "https", "mailto"], `${context}: href ${value}`).toContain(scheme);
        else expect(url, `${context}: protocol-relative href`).not.toMatch(/^[/\\]{2}/);
      }
    }
  }
}

describe("the sanitizer's allowlist is what these tests cover", () => {
  it("names the tags marked's output needs, and <a> keeps href", () => {
    expect(SANITIZER_ALLOWLIST.tags).toEqual(expect.arrayContaining(["p", "a", "code", "pre", "table", "td"]));
    expect(SANITIZER_ALLOWLIST.attributes.a).toContain("href");
    expect(HOSTILE_ATTRIBUTES.length).toBeGreaterThan(100);
  });

  it("keeps a benign link, so the hostile cases are not passing by dropping everything", () => {
    expect(sanitizeHtml(element("a", 'title="ok"'))).toBe('<a href="https://ok.example/page" rel="ugc nofollow noopener" title="ok">text</a>');
    expect(sanitizeHtml('<a href="/cases/x">x</a>')).toBe('<a href="/cases/x" rel="ugc nofollow noopener">x</a>');
  });
});

// One test per tag and route; each runs every hostile attribute and names the payload that fails.
describe("hostile attributes on every allowlisted tag", () => {
  it.each(TAGS)("<%s>: the sanitizer alone", (tag) => {
    for (const [, html] of payloadsFor(tag)) expectNothingExecutable(sanitizeHtml(html), html);
  });

  it.each(TAGS)("<%s>: after an unprotected marked", (tag) => {
    for (const [, html] of payloadsFor(tag)) expectNothingExecutable(sanitizeHtml(unprotected.parse(`para\n\n${html}\n\n> ${html}`, { async: false })), html);
  });

  it.each(TAGS)("<%s>: through the full render", (tag) => {
    for (const [, html] of payloadsFor(tag)) expectNothingExecutable(renderMarkdown(`${html}\n\n- ${html}\n\n| a |\n|---|\n| ${html} |`), html);
  });
});

describe("hostile URLs written as Markdown, through the full render", () => {
  const forms = (url: string) => [`[x](${url})`, `[x](<${url}>)`, `![x](${url})`, `[x][r]\n\n[r]: ${url}`, `<${url}>`];
  it.each(HOSTILE_URLS)("%s", (_name, url) => {
    for (const markdown of forms(url)) {
      const html = renderMarkdown(markdown);
      expectNothingExecutable(html, markdown);
      expectNothingExecutable(sanitizeHtml(unprotected.parse(markdown, { async: false })), markdown);
    }
  });
});
