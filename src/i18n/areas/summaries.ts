// The summaries area's messages (issue 14), kept apart from the main catalogues so that each
// area's strings live in one file; en.ts, fr.ts and nl.ts spread them in.

/** English. */
export const summariesEn = {} as const;

/** French (Belgium). */
export const summariesFr = {} as const satisfies Record<keyof typeof summariesEn, string>;

/** Dutch (Flanders). */
export const summariesNl = {} as const satisfies Record<keyof typeof summariesEn, string>;
