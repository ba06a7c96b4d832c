// The language a query is written in, for choosing the vocabulary of "did you mean" and
// Meilisearch's query `locales`. Deliberately cheap and explainable, no statistical model:
// a query is a few words, too short for n-gram detection to be reliable. Each word votes
// for a language when it is unambiguous:
//   - a function word that exists in one language only ("les", "het", "the"; words shared by
//     two languages such as "de", "en", "in", "door" do not vote);
//   - a French accent (é è ê à â ç ù û î ô œ; not ë/ï, which Dutch uses too);
//   - a glossary term named in one language only ("chute" fr, "val" nl, "fall" en; "sepsis",
//     spelled alike in all three, does not vote).
// The interface language wins unless another language has strictly more votes: someone on
// /fr/ typing "sepsis" is writing French; "fall detection" on /fr/ is English.

import { tokenize } from "./analysis.ts";
import type { Language } from "./engine.ts";
import { GLOSSARY_LANGUAGES, type GlossaryConcept, glossaryMatches, variantTerms } from "./glossary.ts";

/** The languages a query can be detected in. */
export const QUERY_LANGUAGES = GLOSSARY_LANGUAGES;

// Function words of one language only (normalised: accents folded). Kept short and certain.
const FUNCTION_WORDS: Record<Language, readonly string[]> = {
  en: [
    "the",
    "and",
    "of",
    "with",
    "for",
    "are",
    "was",
    "were",
    "to",
    "from",
    "by",
    "this",
    "that",
    "our",
    "we",
    "not",
    "how",
    "what",
    "why",
    "which",
    "without",
  ],
  fr: [
    "le",
    "la",
    "les",
    "des",
    "du",
    "une",
    "et",
    "pour",
    "avec",
    "sur",
    "dans",
    "est",
    "sont",
    "au",
    "aux",
    "cette",
    "qui",
    "que",
    "pas",
    "par",
    "nous",
    "notre",
    "sans",
    "l",
    "d",
  ],
  nl: ["het", "een", "van", "voor", "bij", "aan", "zijn", "werd", "dat", "dit", "niet", "naar", "ook", "wij", "onze", "te", "om", "op", "zonder"],
};
const FUNCTION_WORD_LANGUAGE = new Map<string, Language>(QUERY_LANGUAGES.flatMap((lang) => FUNCTION_WORDS[lang].map((w) => [w, lang] as const)));
const FRENCH_ACCENT = /[éèêàâçùûîôœ]/i;

// The languages of a glossary concept that name it exactly with `terms`.
function variantLanguages(terms: readonly string[], concept: GlossaryConcept): Language[] {
  const key = terms.join(" ");
  return QUERY_LANGUAGES.filter((lang) => concept[lang].some((variant) => variantTerms(variant).join(" ") === key));
}

/** Votes per language for a query text (see the comment at the top of this file). */
export function languageVotes(q: string): Record<Language, number> {
  const votes: Record<Language, number> = { en: 0, fr: 0, nl: 0 };
  for (const word of q.split(/[^\p{L}\p{M}\p{N}]+/u)) {
    if (word === "") continue;
    if (FRENCH_ACCENT.test(word)) votes.fr += 1;
    for (const term of tokenize(word)) {
      const lang = FUNCTION_WORD_LANGUAGE.get(term);
      if (lang) votes[lang] += 1;
    }
  }
  const terms = tokenize(q);
  for (const match of glossaryMatches(terms)) {
    const langs = variantLanguages(match.terms, match.concept);
    if (langs.length === 1) votes[langs[0]!] += 1;
  }
  return votes;
}

/**
 * The language of a query: the interface language (`locale`) unless another language has
 * strictly more votes. Without a locale, the language with the most votes, or null when
 * no language leads (then suggestions may come from any language, as for API callers).
 */
export function queryLanguage(q: string, locale?: Language): Language | null {
  const votes = languageVotes(q);
  const ranked = [...QUERY_LANGUAGES].sort((a, b) => votes[b] - votes[a]);
  const [top, second] = ranked as [Language, Language, Language];
  // A clear leader only: two languages tied at the top say nothing.
  const leader = votes[top] > 0 && votes[top] > votes[second] ? top : null;
  if (locale) return leader !== null && votes[leader] > votes[locale] ? leader : locale;
  return leader;
}

/** ISO 639-3 code of a language, as Meilisearch's `locales` expect. */
export const MEILI_LOCALE = { en: "eng", fr: "fra", nl: "nld" } as const satisfies Record<Language, string>;
