// The discussions area's messages (issue 14), kept apart from the main catalogues so that each
// area's strings live in one file; en.ts, fr.ts and nl.ts spread them in.

/** English. */
export const discussionsEn = {} as const;

/** French (Belgium). */
export const discussionsFr = {} as const satisfies Record<keyof typeof discussionsEn, string>;

/** Dutch (Flanders). */
export const discussionsNl = {} as const satisfies Record<keyof typeof discussionsEn, string>;
