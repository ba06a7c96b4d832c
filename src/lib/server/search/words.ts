// The words of search text as both engines and the snippet code see them: accent folding
// and the stop words. A module of its own with no imports, so the search hit thread
// (hitworker.ts) loads only this and the snippet code (analysis.ts adds the stemmers).

const MARKS = /\p{M}+/gu;

/** Lowercases and strips diacritics, so "Évaluation" and "evaluation" are the same term. */
export function normalizeText(text: string): string {
  const lower = text.toLowerCase();
  // Fast path: most text is ASCII, and NFD over megabytes of it is the indexing hot spot.
  if (!/[^\u0000-\u007f]/.test(lower)) return lower;
  return lower.normalize("NFD").replace(MARKS, "").replace(/œ/g, "oe").replace(/æ/g, "ae");
}

/**
 * A copy of `word` that holds no other text. A word cut from a post's text (a regex match, a
 * slice) is, in V8, a view of that whole text: the first post to use a word would keep its ~10 KB
 * of text alive for as long as the index knows the word (721 texts, 7.6 MB, after a rebuild of
 * 20,000 posts: heap snapshot).
 * What keeps words for long (the postings' vocabulary, the stem families) keeps this copy.
 */
export function ownCopy(word: string): string {
  // A round trip through bytes always makes a new flat string.
  return Buffer.from(word, "utf8").toString("utf8");
}

// Kept short on purpose: only articles/prepositions so frequent in EN/FR/NL that requiring
// them under AND matching would make posts unfindable by a query phrased in another language.
/** Words ignored by both engines, in documents and queries. */
export const STOP_WORDS: readonly string[] = [
  // en
  "a",
  "an",
  "the",
  "and",
  "or",
  "of",
  "in",
  "on",
  "for",
  "to",
  "with",
  "by",
  "at",
  "from",
  "is",
  "are",
  "was",
  "were",
  "be",
  "it",
  "its",
  "this",
  "that",
  "as",
  // fr
  "le",
  "la",
  "les",
  "un",
  "une",
  "des",
  "du",
  "de",
  "d",
  "l",
  "et",
  "ou",
  "en",
  "au",
  "aux",
  "pour",
  "par",
  "sur",
  "dans",
  "avec",
  "est",
  "sont",
  "ce",
  "cette",
  "qui",
  "que",
  // nl
  "het",
  "een",
  "van",
  "op",
  "voor",
  "met",
  "door",
  "aan",
  "bij",
  "zijn",
  "werd",
  "dat",
  "die",
  "dit",
  "te",
  "om",
];

const STOP = new Set(STOP_WORDS);

/** True for a normalised term that both engines ignore. */
export function isStopWord(term: string): boolean {
  return STOP.has(term);
}
