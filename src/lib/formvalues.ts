// Reading a form's submitted or stored values back into its fields, the same way in every post
// form (case study, funding record, discussion, summary): a value may arrive as a string, a list
// (several checkboxes of one name) or a boolean (a stored record).

/** Readers of a form's values: `str` for a text field (lists joined by commas), `list` for checkboxes, `checked` for one checkbox. */
export function formValueReader(values: Record<string, unknown>): {
  str: (name: string) => string;
  list: (name: string) => string[];
  checked: (name: string) => boolean;
} {
  return {
    str: (name) => {
      const v = values[name];
      return Array.isArray(v) ? v.join(", ") : v === null || v === undefined ? "" : String(v);
    },
    list: (name) => {
      const v = values[name];
      return Array.isArray(v) ? v.map(String) : typeof v === "string" && v ? [v] : [];
    },
    checked: (name) => values[name] === true || values[name] === "on" || values[name] === "true",
  };
}
