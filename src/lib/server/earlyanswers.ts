// Answers given before Astro (issue 15): scripts/serve.ts asks each registered answer, in the
// order registered, before handing a request to Astro's handler. An answer takes a request only
// where it would answer exactly as the middleware and route would (same status, body, headers,
// request id and count), and returns false, having written nothing, for anything else.
// Registered on globalThis at load: serve.ts runs the built bundle, whose modules hold the state.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Answers `req` and returns true, or returns false having written nothing. */
export type EarlyAnswer = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Where scripts/serve.ts finds the registered answers (a Map from name to answer). */
export const EARLY_ANSWERS = Symbol.for("casebook.earlyAnswers");

/** Registers an answer under a name (registering the name again replaces it). */
export function registerEarlyAnswer(name: string, answer: EarlyAnswer): void {
  const g = globalThis as { [EARLY_ANSWERS]?: Map<string, EarlyAnswer> };
  g[EARLY_ANSWERS] ??= new Map();
  g[EARLY_ANSWERS].set(name, answer);
}
