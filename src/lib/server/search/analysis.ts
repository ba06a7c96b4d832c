// Search text analysis shared by every engine: normalisation, tokenising and stop words.
// It lives apart from the engines so that replacing one (the performance work may swap the
// embedded engine) keeps documents and queries analysed the same way; the glossary
// (glossary.ts) builds on these functions.

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
