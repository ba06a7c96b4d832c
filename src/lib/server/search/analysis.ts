// Search text analysis shared by every engine: normalisation, tokenising, stop words and
// stemming (Snowball stemmers for English, French and Dutch from @orama/stemmers, applied to
// the accent-folded word so "infirmières" and "infirmieres" share a stem).
// It lives apart from the engines so that replacing one (the performance work may swap the
// embedded engine) keeps documents and queries analysed the same way; the glossary
// (glossary.ts) builds on these functions.

import { stemmer as stemDutch } from "@orama/stemmers/dutch";
import { stemmer as stemEnglish } from "@orama/stemmers/english";
import { stemmer as stemFrench } from "@orama/stemmers/french";
import { isStopWord, normalizeText, ownCopy } from "./words.ts";

export { isStopWord, normalizeText };

const TERM = /[\p{L}\p{N}]+/gu;

/** Splits text into normalised terms (the same for documents and queries). */
export function tokenize(text: string): string[] {
  return normalizeText(text).match(TERM) ?? [];
}

/** The terms of a query as the index sees them (normalised, stop words removed). */
export function queryTerms(q: string): string[] {
  return tokenize(q).filter((t) => !isStopWord(t));
}

/** The languages whose words are stemmed (a post's language; a query word is stemmed in all three). */
export const STEM_LANGUAGES = ["en", "fr", "nl"] as const;
/** A stemmed language. */
export type StemLanguage = (typeof STEM_LANGUAGES)[number];

const STEMMERS: Record<StemLanguage, (word: string) => string> = { en: stemEnglish, fr: stemFrench, nl: stemDutch };
// Shorter words and numbers are left alone: their "stems" would only merge unrelated terms.
const STEMMABLE = /^\p{L}{3,}$/u;

/** True for a language with a stemmer. */
export function isStemLanguage(lang: string): lang is StemLanguage {
  return (STEM_LANGUAGES as readonly string[]).includes(lang);
}

/** The stem of a normalised term in a language ("chutes", fr → "chut"), or null for a short word, a number or a stop word. */
export function stemOf(term: string, lang: StemLanguage): string | null {
  if (!STEMMABLE.test(term) || isStopWord(term)) return null;
  return STEMMERS[lang](term);
}

/**
 * A text's distinct terms with each replaced by its stem in `lang` (a term without one, such as
 * a number or a short word, stays as it is). An engine without stemming of its own (Meilisearch)
 * indexes this beside the text and matches a query's terms stemmed the same way.
 */
export function stemmedTerms(text: string, lang: StemLanguage): string[] {
  const out = new Set<string>();
  for (const term of tokenize(text)) if (!isStopWord(term)) out.add(stemOf(term, lang) ?? term);
  return [...out];
}

/**
 * The words an index holds, grouped by their stem in the language of the posts using them, so a
 * query word can be widened to the other forms of it that exist ("chutes" → "chute", "chuter").
 * Widening the query instead of indexing a stem beside every word keeps the index at its size
 * and the snippet code free of stemming: the forms found are ordinary index words. An engine
 * calls add() for every word it indexes; words of removed posts stay (they then match nothing)
 * until the next rebuild.
 */
export class StemFamilies {
  readonly #seen: Record<StemLanguage, Set<string>> = { en: new Set(), fr: new Set(), nl: new Set() };
  readonly #families: Record<StemLanguage, Map<string, string[]>> = { en: new Map(), fr: new Map(), nl: new Map() };

  /** Records a normalised word of a post in `lang` (cheap when the word is known: one set lookup). */
  add(term: string, lang: StemLanguage): void {
    const seen = this.#seen[lang];
    if (seen.has(term)) return;
    const own = ownCopy(term);
    seen.add(own);
    const stem = stemOf(own, lang);
    if (stem === null) return;
    const family = this.#families[lang].get(stem);
    if (family) family.push(own);
    else this.#families[lang].set(stem, [own]);
  }

  /**
   * The indexed words sharing a stem with `term`, per language, `term` itself excluded ("chutes"
   * → fr: chute, chuter). An engine looks each group up in that language's posts only, so a
   * French stem never finds an English post.
   */
  relatives(term: string): { lang: StemLanguage; words: string[] }[] {
    const out: { lang: StemLanguage; words: string[] }[] = [];
    for (const lang of STEM_LANGUAGES) {
      const stem = stemOf(term, lang);
      const words = stem === null ? [] : (this.#families[lang].get(stem) ?? []).filter((word) => word !== term);
      if (words.length > 0) out.push({ lang, words });
    }
    return out;
  }

  /**
   * True when `term` is a stem the index knows plus an ending ("échecs", "détectés"): an
   * inflection, not a typo. The stem must be a prefix of the word: stemmers also rewrite
   * letters (English "sepsys" → "sepsi", like "sepsis"), and such a word is still a typo.
   */
  isInflection(term: string): boolean {
    return STEM_LANGUAGES.some((lang) => {
      const stem = stemOf(term, lang);
      return stem !== null && term.startsWith(stem) && (this.#families[lang].get(stem)?.length ?? 0) > 0;
    });
  }

  /** The recorded words per language, for a snapshot. */
  toJSON(): Record<StemLanguage, string[]> {
    return { en: [...this.#seen.en], fr: [...this.#seen.fr], nl: [...this.#seen.nl] };
  }

  /** Families rebuilt from toJSON()'s output; null when it is not that shape. */
  static fromJSON(data: unknown): StemFamilies | null {
    const record = data as Partial<Record<StemLanguage, unknown>> | null;
    if (typeof record !== "object" || record === null) return null;
    const families = new StemFamilies();
    for (const lang of STEM_LANGUAGES) {
      const words = record[lang];
      if (!Array.isArray(words) || !words.every((w) => typeof w === "string")) return null;
      for (const word of words) families.add(word, lang);
    }
    return families;
  }
}
