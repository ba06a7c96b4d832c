// Helpers for pages that host forms: what the user typed, and field-level errors from an
// action result, so a failed form re-renders with the input kept (DESIGN.md §5 inv. 5).
import { isInputError } from "astro:actions";

const NEVER_ECHO = new Set(["password", "confirm"]);

/** The submitted text fields of a POST (passwords never echoed back). */
export async function submittedValues(request: Request): Promise<Record<string, string>> {
  if (request.method !== "POST") return {};
  const type = request.headers.get("content-type") ?? "";
  if (!type.includes("form")) return {};
  try {
    const data = await request.clone().formData();
    const values: Record<string, string> = {};
    for (const [key, value] of data.entries()) if (typeof value === "string" && !NEVER_ECHO.has(key)) values[key] = value;
    return values;
  } catch {
    return {};
  }
}

/** Field errors and a general message from an action result. */
export function formErrors(result: { error?: unknown } | undefined): { fields: Record<string, string>; message: string | null; code: string | null } {
  const error = result?.error as { message?: string; code?: string } | undefined;
  if (!error) return { fields: {}, message: null, code: null };
  if (isInputError(error)) {
    const fields: Record<string, string> = {};
    for (const [name, messages] of Object.entries(error.fields)) if (messages?.[0]) fields[name] = messages[0];
    return { fields, message: null, code: "BAD_REQUEST" };
  }
  // A failure the domain did not expect (PocketBase's "Batch transaction failed.", a bug) is
  // never shown raw: domainCall words it with a reference; anything else gets a plain message.
  if (error.code === "INTERNAL_SERVER_ERROR" && !error.message?.startsWith("Something went wrong on our side")) {
    return { fields: {}, message: "Something went wrong on our side, and your change was not saved. Please try again in a moment.", code: error.code };
  }
  return { fields: {}, message: error.message ?? "Something went wrong.", code: error.code ?? null };
}
