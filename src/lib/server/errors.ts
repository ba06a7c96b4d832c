// Expected failures the user can fix; routes show them next to the field they name.

/** An expected, user-facing refusal: names the field and says what to do. */
export class ValidationError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "ValidationError";
    this.field = field;
  }
}

/** A per-account allowance (flags, invitations, organisation requests) is used up for now; answered with 429. */
export class RateLimitedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RateLimitedError";
  }
}
