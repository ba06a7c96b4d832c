// The multilingual glossary: healthcare and AI concepts, each named in English, French (as
// used in Belgium) and Dutch (as used in Flanders), kept as data in glossary.json. Search
// uses it so that a query in one language finds posts written in another ("chute" finds
// "fall" and "val"), and acronyms find their long forms ("DPO" ↔ "data protection officer").
// It is engine-independent: both engines widen a query with glossaryMatches() — the embedded
// engine inside its query tree, Meilisearch as federated queries of their own (meilisearch.ts).

import { z } from "zod";
import rows from "./glossary.json" with { type: "json" };
import { isStopWord, tokenize } from "./analysis.ts";

/** The interface and content languages the glossary covers. */
export const GLOSSARY_LANGUAGES = ["en", "fr", "nl"] as const;
/** One glossary language. */
export type GlossaryLanguage = (typeof GLOSSARY_LANGUAGES)[number];

const variants = z.array(z.string().trim().min(1).max(80)).min(1);
const conceptSchema = z.object({ id: z.string().regex(/^[a-z0-9_]+$/), en: variants, fr: variants, nl: variants }).strict();

/** One concept: its id and the ways each language names it (first = preferred). */
export type GlossaryConcept = z.infer<typeof conceptSchema>;

/** The terms of a variant as the index sees them (normalised, stop words removed): "l'hôpital" → ["hopital"]. */
export function variantTerms(variant: string): string[] {
  return tokenize(variant).filter((t) => !isStopWord(t));
}

/**
 * Parses and checks glossary rows: every concept named in all three languages, ids unique,
 * and no variant belonging to two concepts (a query term must expand one way only).
 */
export function parseGlossary(input: unknown): GlossaryConcept[] {
  const concepts = z.array(conceptSchema).parse(input);
  const ids = new Set<string>();
  const owner = new Map<string, string>();
  for (const concept of concepts) {
    if (ids.has(concept.id)) throw new Error(`glossary: concept "${concept.id}" appears twice`);
    ids.add(concept.id);
    for (const lang of GLOSSARY_LANGUAGES) {
      for (const variant of concept[lang]) {
        const key = variantTerms(variant).join(" ");
        if (key === "") throw new Error(`glossary: "${variant}" in "${concept.id}" has only stop words`);
        const other = owner.get(key);
        if (other !== undefined && other !== concept.id) throw new Error(`glossary: "${variant}" belongs to both "${other}" and "${concept.id}"`);
        owner.set(key, concept.id);
      }
    }
  }
  return concepts;
}

/** The checked glossary (a malformed glossary.json fails at start-up, and in the unit tests). */
export const GLOSSARY: readonly GlossaryConcept[] = parseGlossary(rows);

/** Every variant of a concept with its language, as search terms. */
export function conceptVariants(concept: GlossaryConcept): { lang: GlossaryLanguage; text: string; terms: string[] }[] {
  return GLOSSARY_LANGUAGES.flatMap((lang) => concept[lang].map((text) => ({ lang, text, terms: variantTerms(text) })));
}

// Variant term sequences indexed by their first term, longest first, for a greedy scan of the query.
const BY_FIRST_TERM = (() => {
  const index = new Map<string, { terms: string[]; concept: GlossaryConcept }[]>();
  for (const concept of GLOSSARY) {
    for (const { terms } of conceptVariants(concept)) {
      // parseGlossary() guarantees at least one term per variant.
      const first = terms[0]!;
      const list = index.get(first) ?? [];
      if (!list.some((entry) => entry.terms.join(" ") === terms.join(" "))) list.push({ terms, concept });
      index.set(first, list);
    }
  }
  for (const list of index.values()) list.sort((a, b) => b.terms.length - a.terms.length);
  return index;
})();

/** A stretch of the query that names a glossary concept. */
export interface GlossaryMatch {
  /** Position of the first matched term in the query's terms. */
  start: number;
  /** The query terms that matched. */
  terms: string[];
  /** The concept they name. */
  concept: GlossaryConcept;
  /** The other ways to say it, every language, without the matched one. */
  alternatives: GlossaryAlternative[];
}

/**
 * Another name of a concept and the languages that name it so: it is looked for in posts of
 * those languages only, since in another language the same letters may be a word of its own or
 * part of a name ("val", Dutch for a fall, in the French "Soins à Domicile Val-de-Meuse").
 */
export type GlossaryAlternative = { terms: string[]; languages: GlossaryLanguage[] };

/** Finds the glossary concepts a query names (longest match first, no overlaps), given its terms. */
export function glossaryMatches(terms: readonly string[]): GlossaryMatch[] {
  const matches: GlossaryMatch[] = [];
  let i = 0;
  while (i < terms.length) {
    const candidates = BY_FIRST_TERM.get(terms[i]!) ?? [];
    const hit = candidates.find((c) => c.terms.every((t, k) => terms[i + k] === t));
    if (!hit) {
      i += 1;
      continue;
    }
    const typed = hit.terms.join(" ");
    const byKey = new Map<string, GlossaryAlternative>();
    for (const { lang, terms: alt } of conceptVariants(hit.concept)) {
      const key = alt.join(" ");
      if (key === typed) continue;
      const known = byKey.get(key);
      if (!known) byKey.set(key, { terms: alt, languages: [lang] });
      else if (!known.languages.includes(lang)) known.languages.push(lang);
    }
    const alternatives = [...byKey.values()];
    matches.push({ start: i, terms: hit.terms, concept: hit.concept, alternatives });
    i += hit.terms.length;
  }
  return matches;
}
