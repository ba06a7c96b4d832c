// Search text analysis shared by every engine: normalisation, tokenising, stop words and
// stemming (Snowball stemmers for English, French and Dutch from @orama/stemmers, applied to
// the accent-folded word so "infirmières" and "infirmieres" share a stem).
// It lives apart from the engines so that replacing one (the performance work may swap the
// embedded engine) keeps documents and queries analysed the same way; the glossary
// (glossary.ts) builds on these functions.

import { stemmer as stemDutch } from "@orama/stemmers/dutch";
import { stemmer as stemEnglish } from "@orama/stemmers/english";
import { stemmer as stemFrench } from "@orama/stemmers/french";
import { STOP_WORDS } from "./engine.ts";

const STOP = new Set(STOP_WORDS);
const TERM = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}+/gu;

/** Lowercases and strips diacritics, so "Évaluation" and "evaluation" are the same term. */
export function normalizeText(text: string): string {
  const lower = text.toLowerCase();
  // Fast path: most text is ASCII, and NFD over megabytes of it is the indexing hot spot.
  if (!/[^\u0000-\u007f]/.test(lower)) return lower;
  return lower.normalize("NFD").replace(MARKS, "").replace(/œ/g, "oe").replace(/æ/g, "ae");
}

/** Splits text into normalised terms (the same for documents and queries). */
export function tokenize(text: string): string[] {
  return normalizeText(text).match(TERM) ?? [];
}

/** True for a normalised term that both engines ignore. */
export function isStopWord(term: string): boolean {
  return STOP.has(term);
}

/** The terms of a query as the index sees them (normalised, stop words removed). */
export function queryTerms(q: string): string[] {
  return tokenize(q).filter((t) => !STOP.has(t));
}

/** The languages whose words are stemmed (a post's language; queries are stemmed in all three). */
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

/**
 * The index token for the stem of a normalised term in a language ("chutes", fr → "~fr~chut"),
 * or null for a term that is not stemmed. The marker keeps stems apart from the words typed:
 * a query word never equals it, is at least four edits from it (beyond any typo budget) and
 * is never offered as a spelling suggestion; the language in it means a French stem only
 * finds French posts.
 */
export function stemToken(term: string, lang: StemLanguage): string | null {
  if (!STEMMABLE.test(term) || STOP.has(term)) return null;
  return `~${lang}~${STEMMERS[lang](term)}`;
}

/** True for an index token made by stemToken(). */
export function isStemToken(token: string): boolean {
  return token.startsWith("~");
}

/** A document text's terms followed by each term's stem token in the document's language. */
export function tokenizeWithStems(text: string, lang: StemLanguage): string[] {
  const terms = tokenize(text);
  const out = [...terms];
  for (const term of terms) {
    const token = stemToken(term, lang);
    if (token !== null) out.push(token);
  }
  return out;
}

/** The stem tokens of a query term in every stemmed language, without duplicates (the query's language is not known). */
export function queryStemTokens(term: string): string[] {
  const tokens = new Set<string>();
  for (const lang of STEM_LANGUAGES) {
    const token = stemToken(term, lang);
    if (token !== null) tokens.add(token);
  }
  return [...tokens];
}
