// The roundtables area's messages (issue 14), kept apart from the main catalogues so that each
// area's strings live in one file; en.ts, fr.ts and nl.ts spread them in.

/** English. */
export const roundtablesEn = {} as const;

/** French (Belgium). */
export const roundtablesFr = {} as const satisfies Record<keyof typeof roundtablesEn, string>;

/** Dutch (Flanders). */
export const roundtablesNl = {} as const satisfies Record<keyof typeof roundtablesEn, string>;
