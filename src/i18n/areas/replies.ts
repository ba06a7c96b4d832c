// The replies area's messages (issue 14), kept apart from the main catalogues so that each
// area's strings live in one file; en.ts, fr.ts and nl.ts spread them in.

/** English. */
export const repliesEn = {} as const;

/** French (Belgium). */
export const repliesFr = {} as const satisfies Record<keyof typeof repliesEn, string>;

/** Dutch (Flanders). */
export const repliesNl = {} as const satisfies Record<keyof typeof repliesEn, string>;
