// Author Markdown → safe HTML (DESIGN.md §5, invariant 3).
//
// Two layers, each safe on its own:
//  1. A private `Marked` instance whose renderer never emits author HTML (raw HTML is
//     shown as escaped text), checks every link/image URL itself, turns images into
//     links and shifts headings below the page title.
//  2. An allowlist sanitizer (`sanitizeHtml`) run on the result, so a renderer bug or
//     a future marked change cannot let markup or URLs through that the allowlist
//     does not name. It is also what stored `*_html` fields go through.
//
// URL policy: http, https and mailto URLs survive, and so do relative URLs
// ("/cases/x", "../x", "?q=1", "#section"), because authors link to other Casebook
// pages. Protocol-relative URLs ("//host", "\\host") are refused: they are external
// links that dodge the scheme check. Every other scheme (javascript:, data:,
// vbscript:, file:, tel:, …) is refused, after decoding entities and removing the
// whitespace and control characters browsers ignore inside URLs.
//
// Budget (issue 9 §9): marked's emphasis and nesting handling is superlinear, and some
// 100 KB inputs take seconds to minutes ("_a" × 50,000: 5 s; "*_a" × 33,333: 89 s).
// Markdown written by users is therefore rendered by `renderUntrustedMarkdown`, in a
// worker thread that is terminated when it runs over MARKDOWN_BUDGET.timeoutMs, so the
// server's own thread never waits on marked. `renderMarkdown` stays synchronous for
// trusted text (the site's own pages) and for the worker itself.

import { Marked } from "marked";
import sanitize from "sanitize-html";
import type { Tokens } from "marked";
import { ValidationError } from "./errors.ts";
import { serveInThread, threadRunner } from "./offthread.ts";
import { say } from "../../i18n/domain.ts";

const LINK_REL = "ugc nofollow noopener";
const ALLOWED_SCHEMES = ["http", "https", "mailto"];
const CODE_CLASS = /^language-[a-z0-9+#-]+$/;

/** Renders author Markdown to HTML that is safe to insert into a page as is. */
export function renderMarkdown(markdown: string, options: RenderMarkdownOptions = {}): string {
  if (typeof markdown !== "string" || markdown.trim() === "") return "";
  let html: string;
  try {
    const tokens = marked.lexer(markdown);
    const offset = headingOffsetFor(tokens, options.headingOffset);
    // Done on tokens rather than in the renderer so the shared instance stays free of
    // per-call state.
    marked.walkTokens(tokens, (token) => {
      if (token.type === "heading") {
        const heading = token as Tokens.Heading;
        heading.depth = Math.min(6, Math.max(1, heading.depth + offset));
      }
    });
    html = marked.parser(tokens);
  } catch {
    // Pathological input (e.g. nesting deep enough to exhaust the stack) must not take
    // the page down; the author still sees their text.
    html = `<p>${escapeHtml(markdown.trim()).replace(/\r?\n/g, "<br>")}</p>`;
  }
  return sanitizeHtml(html);
}

/**
 * Limits for Markdown written by users. 100,000 characters is the longest post field
 * (the story; a long case study is 20–40 KB), and a normal 100 KB text renders in tens
 * of milliseconds, so 2 s only ever stops pathological input.
 */
export const MARKDOWN_BUDGET = { maxChars: 100_000, timeoutMs: 2_000 } as const;

/**
 * Renders user Markdown like `renderMarkdown`, off the main thread and within
 * MARKDOWN_BUDGET; over-long or over-slow input is refused with a ValidationError on
 * `field` whose message names the field (a select in the `domain.markdown.*` messages; `title` names a funder's record).
 */
export async function renderUntrustedMarkdown(markdown: string, options: UntrustedMarkdownOptions): Promise<string> {
  if (typeof markdown !== "string" || markdown.trim() === "") return "";
  const { field, title = "", headingOffset } = options;
  if (markdown.length > MARKDOWN_BUDGET.maxChars) {
    throw new ValidationError(field, say("domain.markdown.too_long", { field, title, max: MARKDOWN_BUDGET.maxChars }));
  }
  const html = await renderInWorker({ markdown, options: { headingOffset } });
  if (html === null) {
    throw new ValidationError(field, say("domain.markdown.too_complex", { field, title, seconds: MARKDOWN_BUDGET.timeoutMs / 1000 }));
  }
  return html;
}

/** "top": the author's highest heading becomes <h2>, whatever level they started at. */
function headingOffsetFor(tokens: ReturnType<typeof marked.lexer>, wanted: RenderMarkdownOptions["headingOffset"]): number {
  if (wanted === "top") {
    let min = 7;
    marked.walkTokens(tokens, (token) => {
      if (token.type === "heading") min = Math.min(min, (token as Tokens.Heading).depth);
    });
    return min === 7 ? 1 : 2 - min;
  }
  return Number.isFinite(wanted) ? Math.trunc(wanted ?? 1) : 1;
}

/** Plain text of author Markdown (for excerpts, search documents and meta descriptions), cut on a word boundary with "…" when longer than `maxChars`. */
export function markdownToPlainText(markdown: string, maxChars?: number): string {
  return renderedHtmlToPlainText(renderMarkdown(markdown, { headingOffset: 0 }), maxChars);
}

/** Plain text of HTML that `renderMarkdown` produced (a stored `*_html` field), as `markdownToPlainText` gives it, without running marked again. */
export function renderedHtmlToPlainText(html: string, maxChars?: number): string {
  if (typeof html !== "string" || html === "") return "";
  // Block boundaries become spaces so "<p>a</p><p>b</p>" reads "a b", while inline
  // tags vanish so "<em>a</em>b" stays "ab". A heading ends with a dash before the text that
  // follows, so a snippet reads "What happened — The team…", not one run-on sentence.
  const spaced = html.replaceAll(HEADING_END_MARK, "").replace(HEADING_END, `${HEADING_END_MARK} `).replace(BLOCK_TAG, " ");
  const text = htmlToText(spaced)
    .replace(/\s+/g, " ")
    .replace(/ ?\uE000 ?/g, (_mark: string, offset: number, whole: string) => {
      const before = whole.slice(0, offset).trimEnd().at(-1);
      const after = whole.slice(offset + _mark.length);
      if (before === undefined || before === HEADING_END_MARK || after.trim() === "") return " ";
      return /[.!?:;…—-]/.test(before) ? " " : " — ";
    })
    .replace(/\s+/g, " ")
    .trim();
  return maxChars === undefined ? text : truncateOnWord(text, maxChars);
}

/** The allowlist sanitizer alone: keeps only the markup `renderMarkdown` produces, forces `rel` on links and drops unsafe URLs. */
export function sanitizeHtml(html: string): string {
  if (typeof html !== "string" || html === "") return "";
  return sanitize(html, SANITIZE_OPTIONS);
}

const SANITIZE_OPTIONS: sanitize.IOptions = {
  allowedTags: [
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
  ],
  allowedAttributes: {
    a: ["href", "title", "rel"],
    code: ["class"],
    ol: ["start"],
    th: ["align"],
    td: ["align"],
  },
  allowedClasses: { code: [CODE_CLASS] },
  allowedSchemes: ALLOWED_SCHEMES,
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ["href", "src", "cite", "action", "formaction", "xlink:href"],
  allowProtocolRelative: false,
  disallowedTagsMode: "discard",
  // Content of these is code or a separate document, never prose worth keeping.
  nonTextTags: ["script", "style", "textarea", "option", "xmp", "noscript", "template", "iframe", "noembed", "noframes", "title", "object"],
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: LINK_REL } }),
    // sanitize-html's `values` filter leaves a bare `align` behind; drop it instead.
    th: keepAlignment,
    td: keepAlignment,
  },
  // A link whose href was refused would be a dead, styled-as-link span: keep its text only.
  exclusiveFilter: (frame) => (frame.tag === "a" && !frame.attribs.href ? "excludeTag" : false),
};

/** The sanitizer's allowlist: the tags it keeps and the attributes each may carry (tests derive their payloads from it). */
export const SANITIZER_ALLOWLIST: { readonly tags: readonly string[]; readonly attributes: Readonly<Record<string, readonly string[]>> } = {
  tags: SANITIZE_OPTIONS.allowedTags || [],
  attributes: Object.fromEntries(
    Object.entries(SANITIZE_OPTIONS.allowedAttributes || {}).map(([tag, list]) => [tag, list.map((a) => (typeof a === "string" ? a : a.name))]),
  ),
};

function keepAlignment(tagName: string, attribs: sanitize.Attributes): sanitize.Tag {
  const { align, ...rest } = attribs;
  const valid = align === "left" || align === "center" || align === "right";
  return { tagName, attribs: valid ? { ...rest, align } : rest };
}

// Counts links being rendered, so an image inside link text does not become a
// nested <a> (invalid HTML that browsers split apart). Rendering is synchronous,
// so a module-level counter cannot leak between calls.
let linkDepth = 0;

const marked = new Marked({
  async: false,
  gfm: true,
  // Authors type in a plain textarea and expect a newline to stay a newline.
  breaks: true,
  pedantic: false,
  renderer: {
    html({ text, block }) {
      const shown = escapeHtml(block ? text.trim() : text);
      return block ? `<p>${shown.replace(/\r?\n/g, "<br>\n")}</p>\n` : shown;
    },
    text(token) {
      if ("tokens" in token && token.tokens) return this.parser.parseInline(token.tokens);
      // marked leaves text inside an inline <pre>/<script> unescaped ("escaped: true");
      // here that text is shown, not interpreted, so it is always escaped.
      return escapeHtml(token.text, true);
    },
    code({ text, lang }) {
      const language = (lang ?? "").match(/^\S*/)?.[0]?.toLowerCase() ?? "";
      const cls = CODE_CLASS.test(`language-${language}`) ? ` class="language-${language}"` : "";
      const body = text ? `${escapeHtml(text.replace(/\n$/, ""))}\n` : "";
      return `<pre><code${cls}>${body}</code></pre>\n`;
    },
    link({ href, title, tokens, text, autolink }) {
      linkDepth++;
      let inner: string;
      try {
        inner = autolink ? escapeHtml(text) : this.parser.parseInline(tokens);
      } finally {
        linkDepth--;
      }
      const url = safeUrl(href, autolink === true);
      if (url === null || linkDepth > 0) return inner;
      return anchor(url, title, inner);
    },
    image({ href, title, text, tokens }) {
      const alt = decodeEntities(tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text).trim();
      const url = safeUrl(href, false);
      if (url === null || linkDepth > 0) return escapeHtml(alt);
      return anchor(url, title, escapeHtml(alt || url));
    },
    checkbox({ checked }) {
      // No form controls in author content; a ballot box reads the same.
      return checked ? "☑ " : "☐ ";
    },
  },
});

function anchor(url: string, title: string | null | undefined, inner: string): string {
  const titleAttr = title ? ` title="${escapeHtml(decodeEntities(title))}"` : "";
  return `<a href="${escapeHtml(url)}"${titleAttr} rel="${LINK_REL}">${inner}</a>`;
}

/**
 * The URL to put in an href, or null when it must not be a link. `literal` is for
 * autolinks, whose text marked does not entity-decode (CommonMark says so too).
 */
function safeUrl(raw: string, literal: boolean): string | null {
  const decoded = (literal ? raw : decodeEntities(raw)).trim();
  if (decoded === "") return null;
  // Browsers drop tabs and newlines anywhere in a URL and ignore leading control
  // characters, so "java\tscript:" runs; strip all of them before reading the scheme.
  const probe = decoded.replace(/[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff]/g, "");
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(probe)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!ALLOWED_SCHEMES.includes(scheme)) return null;
  } else if (/^[/\\]{2}/.test(probe)) {
    return null;
  }
  try {
    // encodeURI also escapes "%"; undo that so already-encoded URLs are not double-encoded.
    return encodeURI(decoded).replace(/%25/g, "%");
  } catch {
    return null; // lone surrogate: not a URL anyone meant
  }
}

// Private-use character marking where a heading ended, while tags are stripped.
const HEADING_END_MARK = "\uE000";
const HEADING_END = /<\/h[1-6]\s*>/gi;
const BLOCK_TAG = /<\/?(?:p|br|hr|h[1-6]|blockquote|pre|ul|ol|li|table|thead|tbody|tr|th|td)\b[^>]*>/gi;

const TEXT_ONLY: sanitize.IOptions = { allowedTags: [], allowedAttributes: {} };

/**
 * Text of an HTML fragment: tags dropped, every entity of the HTML5 set decoded.
 * sanitize-html's parser decodes entities and re-escapes only &, <, > and " on
 * output, so undoing those four afterwards yields the text decoded exactly once.
 */
function htmlToText(html: string): string {
  if (!html.includes("&") && !html.includes("<")) return html;
  return sanitize(html, TEXT_ONLY)
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

/** Decodes entities in text that is not HTML, so a literal "<" survives. */
function decodeEntities(text: string): string {
  return text.includes("&") ? htmlToText(text.replace(/</g, "&lt;")) : text;
}

/**
 * Escapes text for HTML content or a quoted attribute. With `keepEntities`, an
 * existing character reference is left alone (marked hands over text that still
 * contains "&eacute;" and the like, which must display as "é").
 */
function escapeHtml(text: string, keepEntities = false): string {
  const amp = keepEntities ? /&(?!#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|[a-zA-Z][a-zA-Z0-9]*;)/g : /&/g;
  return text.replace(amp, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function truncateOnWord(text: string, maxChars: number): string {
  const limit = Math.floor(maxChars);
  if (!(limit > 0)) return "";
  // Code points, not UTF-16 units, so an emoji is never cut in half.
  const chars = Array.from(text);
  if (chars.length <= limit) return text;
  const head = chars.slice(0, limit - 1).join("");
  // Cut at the last space if that keeps at least half the budget; one very long
  // "word" (a URL) is cut mid-word rather than leaving almost nothing.
  const space = head.lastIndexOf(" ");
  const cut = chars[limit - 1] === " " || space < head.length / 2 ? head : head.slice(0, space);
  return `${cut.replace(/[\s,;:.!?…\-–—]+$/u, "")}…`;
}

// ---------------------------------------------------------------------------------------
// The render thread (offthread.ts): it loads this very module, so it renders with exactly the
// renderer and sanitizer above. A render that balloons memory is as much over budget as a slow one.

const WORKER_TAG = "casebook-markdown-worker";
type RenderRequest = { markdown: string; options: RenderMarkdownOptions };
const renderInWorker = threadRunner<RenderRequest, string>({
  tag: WORKER_TAG,
  moduleUrl: import.meta.url,
  timeoutMs: MARKDOWN_BUDGET.timeoutMs,
  memoryMb: 256,
});
serveInThread<RenderRequest, string>(WORKER_TAG, (request) => renderMarkdown(request.markdown, request.options));

/** Options for `renderUntrustedMarkdown`: the field to blame and how to name it in the message. */
/** `field` selects the wording of the refusal (domain.markdown.*); `title` names a funder's record in it. */
export type UntrustedMarkdownOptions = RenderMarkdownOptions & { field: string; title?: string };

/** Options for `renderMarkdown`. */
export type RenderMarkdownOptions = {
  /** Added to every heading level so `#` sits below the page's own <h1>; default 1, result clamped to h1–h6. */
  headingOffset?: number | "top";
};
