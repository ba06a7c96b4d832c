// The search page's governance and data panel (issue 17 §3), kept apart from the main
// catalogues so that the area's strings live in one file; en.ts, fr.ts and nl.ts spread them in.
// Its title and the facts' names and values are the facts area's own (facts.ts).

/** English. */
export const searchfactsEn = {
  "searchfacts.intro": "What the authors of case studies answered. A question left unanswered is not counted.",
} as const;

/** French (Belgium). */
export const searchfactsFr = {
  "searchfacts.intro": "Ce que les auteurs des études de cas ont répondu. Une question restée sans réponse n’est pas comptée.",
} as const;

/** Dutch (Flanders). */
export const searchfactsNl = {
  "searchfacts.intro": "Wat de auteurs van de praktijkcases antwoordden. Een vraag zonder antwoord telt niet mee.",
} as const;
