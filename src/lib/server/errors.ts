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
