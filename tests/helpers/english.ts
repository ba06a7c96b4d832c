// The "no English on a French or Dutch page" checker (issue 12, Tests: e2e), shared by the
// page sweep (tests/e2e/no-english.test.ts, whose header explains what counts as English
// interface text) and the journeys in French and Dutch (tests/e2e/journeys-languages.test.ts).
import { isLiteralElement, isPluralElement, isSelectElement, type MessageFormatElement, parse } from "@formatjs/icu-messageformat-parser";
import type { Page } from "playwright-core";
import { en } from "../../src/i18n/en.ts";

function literals(elements: MessageFormatElement[]): string[] {
  return elements.flatMap((el) => {
    if (isLiteralElement(el)) return [el.value];
    if (isPluralElement(el) || isSelectElement(el)) return Object.values(el.options).flatMap((o) => ["\u0000", ...literals(o.value), "\u0000"]);
    return ["\u0000"];
  });
}

/** The English pieces that must not appear on a page in `target`'s language (see the header comment). */
export function englishNeedles(target: Record<string, string>): string[] {
  const theirs = Object.values(target).join("\n");
  const needles = new Set<string>();
  for (const message of Object.values(en)) {
    const pieces = literals(parse(message, { ignoreTag: true }))
      .join("")
      .split(/[\u0000\n]/)
      .map((p) => p.trim());
    for (const piece of pieces) {
      if (piece.length < 5 || !/[a-z]{3}/.test(piece)) continue;
      if (theirs.includes(piece)) continue;
      needles.add(piece);
    }
  }
  return [...needles];
}

// The frame and form furniture: where an English sentence (not in the catalogue: hard-coded) would be interface text.
const CHROME =
  "header, nav, footer, label, button, legend, caption, th, h1, h2, h3, h4, summary, .hint, .format-help, .role-help, .alert, .error-text, [role=status], [role=alert]";
// Messages (errors, notices): short and all interface, so one English function word is enough.
const MESSAGES = ".alert, .error-text, [role=status], [role=alert]";
// Function words of English that are not words of French or Dutch ("of", "is", "a" are).
const ENGLISH_WORDS = /\b(the|and|your|you|with|this|to|are|from|by|for|not|has|will)\b/g;

/** The page's interface text: visible text nodes and labelling attributes outside subtrees in another language; `chrome` the part inside CHROME. */
export async function interfaceTexts(page: Page, lang: string): Promise<{ texts: string[]; chrome: string[]; messages: string[] }> {
  return page.evaluate(
    ([pageLang, chromeSelector, messageSelector]) => {
      const foreign = (el: Element) => {
        const tagged = el.closest("[lang]");
        return tagged !== null && tagged !== document.documentElement && !(tagged.getAttribute("lang") ?? "").startsWith(pageLang);
      };
      // The document title repeats the page's heading; a heading in another language (a round
      // table's or a post's own title, marked with lang) is content there too, not interface.
      const heading = document.querySelector("h1");
      const headingText = heading && foreign(heading) ? (heading.textContent ?? "").trim() : "";
      const out: string[] = [headingText ? document.title.replace(headingText, "") : document.title];
      const chrome: string[] = [];
      const messages: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || el.closest("script,style,template,noscript") || foreign(el) || !el.checkVisibility()) continue;
        const text = (node.textContent ?? "").replace(/\s+/g, " ").trim();
        if (text) out.push(text);
        if (text && el.closest(chromeSelector)) chrome.push(text);
        if (text && el.closest(messageSelector)) messages.push(text);
      }
      for (const el of document.body.querySelectorAll("[aria-label],[placeholder],[title],img[alt]")) {
        if (foreign(el)) continue;
        for (const name of ["aria-label", "placeholder", "title", "alt"]) {
          const value = el.getAttribute(name);
          if (value) out.push(value);
          if (value && name !== "title") chrome.push(value);
        }
      }
      return { texts: out, chrome, messages };
    },
    [lang, CHROME, MESSAGES] as const,
  );
}

// A date written the English way (formatDate not used): "12 March 2026", "March 12, 2026".
export const ENGLISH_DATE =
  /\b(January|February|March|April|May|June|July|August|September|October|November|December)\b \d{1,2}, \d{4}|\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b/;

/** Interface texts that read as English (hard-coded, so not in the catalogue): two English function words, or one in a message. */
export function englishSentences({ chrome, messages }: { chrome: string[]; messages: string[] }): string[] {
  const words = (text: string) => new Set(text.toLowerCase().match(ENGLISH_WORDS) ?? []).size;
  return [...new Set([...chrome.filter((text) => words(text) >= 2), ...messages.filter((text) => words(text) >= 1)])];
}

/** A single word or short piece must be a whole text (a label, a badge); a longer piece may sit inside a sentence. */
export function matches(text: string, needle: string): boolean {
  if (needle.includes(" ") && needle.length >= 10) return text.includes(needle);
  return text.replace(/[\s:.,;!?…()“”"]+$/u, "").replace(/^[\s(“"]+/u, "") === needle;
}

/** Everything on `page` that reads as English in a `lang` interface: catalogue pieces, English sentences, English dates (empty when clean). */
export async function englishOnPage(page: Page, lang: string, needles: string[]): Promise<{ pieces: string[]; sentences: string[]; dates: string[] }> {
  const seen = await interfaceTexts(page, lang);
  return {
    pieces: [...new Set(needles.filter((needle) => seen.texts.some((text) => matches(text, needle))))],
    sentences: englishSentences(seen),
    dates: seen.texts.filter((text) => ENGLISH_DATE.test(text)),
  };
}
