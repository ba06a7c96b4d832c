// The writing form's small helpers (issue 11 §1 and §4), inlined on the writing pages and
// allowed there by its hash alone (EDITOR_CSP): no other script can run, not even another
// inline one. Kept as a string so that the page and the CSP hash the very same text.

/** The script's source, byte for byte what the page inlines. */
export const EDITOR_SCRIPT = String.raw`// The writing form's small helpers (issue 11 §1 and §4), for browsers with JavaScript;
// without it the form works the same, with the word count of the last save.
// - a live word count under each long text (headings do not count);
// - a story that is still the untouched template follows the post's language;
// - leaving the page with unsaved changes asks first.
(() => {
  const form = document.getElementById("post-form");
  if (!form) return;

  const words = (text) =>
    text
      .split(/\r?\n/)
      .filter((line) => !/^\s{0,3}#{1,6}(\s|$)/.test(line))
      .join(" ")
      .split(/\s+/)
      .filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

  for (const counter of form.querySelectorAll("[data-word-count-for]")) {
    const field = document.getElementById(counter.getAttribute("data-word-count-for"));
    if (!field) continue;
    const show = () => {
      const n = words(field.value);
      // The page language's plural rule: French says "0 mot", English "0 words".
      const one = new Intl.PluralRules(document.documentElement.lang || "en").select(n) === "one";
      counter.textContent = one ? counter.dataset.one : counter.dataset.other.replace("{count}", String(n));
    };
    field.addEventListener("input", show);
    show();
  }

  const language = form.querySelector("select[name=language]");
  const story = document.getElementById("f-body_md");
  const templates = story ? JSON.parse(story.dataset.templates || "{}") : {};
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  if (language && story) {
    language.addEventListener("change", () => {
      const untouched = Object.values(templates).some((t) => squash(t) === squash(story.value));
      if ((untouched || !story.value.trim()) && templates[language.value]) {
        story.value = templates[language.value];
        story.dispatchEvent(new Event("input"));
      }
    });
  }

  let dirty = false;
  // Fields outside the form element (form="post-form") belong to it too.
  const mark = (event) => {
    if (event.target && event.target.form === form) dirty = true;
  };
  document.addEventListener("input", mark);
  document.addEventListener("change", mark);
  // Every button that submits this form (including "not personal data" outside it) saves it.
  form.addEventListener("submit", () => {
    dirty = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
`;
