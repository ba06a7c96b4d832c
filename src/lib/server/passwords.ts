// Password strength check for sign-up, reset and change. Length alone is a poor guide
// ("password1234" is 12 characters), so zxcvbn estimates how many guesses an attacker
// needs, with word lists for the three languages our users write in: a Dutch or French
// dictionary word is as guessable to an attacker as an English one.
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";
import * as fr from "@zxcvbn-ts/language-fr";
import * as nlBe from "@zxcvbn-ts/language-nl-be";

/** Fewest characters (code points) a password may have. */
export const PASSWORD_MIN_LENGTH = 12;
/** Most characters a password may have, so that a sign-up request cannot make us hash megabytes. */
export const PASSWORD_MAX_LENGTH = 256;
/** Lowest zxcvbn score accepted: 3 means "safely unguessable" (about 10^8 guesses or more). */
export const PASSWORD_MIN_SCORE = 3;

// Longer passwords are judged on their first 64 characters: every human-made password
// fits, and 64 characters that are not guessable make the whole password unguessable.
const SCORED_LENGTH = 64;

let factory: ZxcvbnFactory | undefined;

// Built on first use, not at import: ranking several hundred thousand dictionary words
// takes a few hundred milliseconds, which pages that never check a password shouldn't pay.
function zxcvbn(): ZxcvbnFactory {
  if (factory) return factory;
  // The nl-be package (v3) uses unsuffixed names such as "commonWords"; suffix them so
  // they sit next to the "-en"/"-fr" lists instead of colliding with a future one.
  const dutch = Object.fromEntries(Object.entries(nlBe.dictionary).map(([name, words]) => [`${name}-nl`, words]));
  factory = new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary, ...fr.dictionary, ...dutch },
    // Matching cost grows quickly with length and with l33t-looking characters (seconds
    // for a 256-character "x7#L…"), and this runs on an unauthenticated request. So score
    // a bounded prefix, cap l33t substitutions, and leave the Levenshtein near-miss
    // matcher off: with four languages' word lists it alone costs seconds per check.
    maxLength: SCORED_LENGTH,
    l33tMaxSubstitutions: 15,
  });
  return factory;
}

/** Judges a password; `userInputs` are the person's name and e-mail address, so passwords built from them count as weak. */
export function checkPasswordStrength(password: string, userInputs: string[] = []): PasswordStrength {
  // Code points, so "é" or an emoji counts once; a string over twice the maximum in UTF-16
  // units is too long whatever it holds, and spreading it would be wasted work.
  const length = password.length > PASSWORD_MAX_LENGTH * 2 ? Infinity : [...password].length;
  const reasons: PasswordProblemCode[] = [];
  if (length < PASSWORD_MIN_LENGTH) reasons.push("too_short");
  if (length > PASSWORD_MAX_LENGTH) reasons.push("too_long");
  const result = zxcvbn().check(password.slice(0, SCORED_LENGTH), expandUserInputs(userInputs));
  if (result.score < PASSWORD_MIN_SCORE) reasons.push("too_weak");
  const { warning, suggestions } = result.feedback;
  return {
    ok: reasons.length === 0,
    score: result.score,
    reasons,
    suggestions: [...new Set([...(warning ? [warning] : []), ...suggestions])],
  };
}

// zxcvbn matches user inputs as whole dictionary words, so "Jan Peeters" alone would not
// catch "JanPeeters2024!". Add the lower-cased pieces (names, e-mail local part and
// domain labels) and the pieces glued together in both orders.
function expandUserInputs(inputs: string[]): string[] {
  const out = new Set<string>();
  for (const input of inputs) {
    const value = input.trim().toLowerCase();
    if (!value) continue;
    out.add(value);
    const local = value.split("@")[0] ?? value;
    out.add(local);
    const localPieces = local.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    if (localPieces.length > 1) {
      out.add(localPieces.join(""));
      out.add([...localPieces].reverse().join(""));
    }
    for (const piece of value.split(/[^\p{L}\p{N}]+/u)) {
      // Two-letter pieces ("be", "nl") would only add noise.
      if (piece.length >= 3) out.add(piece);
    }
  }
  return [...out];
}

/** Why a password was refused; the UI translates each code. */
export type PasswordProblemCode = "too_short" | "too_long" | "too_weak";

/** Verdict on a password: `suggestions` are zxcvbn's English hints (its warning first), for display or logging. */
export type PasswordStrength = {
  ok: boolean;
  score: 0 | 1 | 2 | 3 | 4;
  reasons: PasswordProblemCode[];
  suggestions: string[];
};
