// The headings a new story starts with, in the language the post is written in. They are
// content of the post (a French post gets French headings whatever the interface
// language), not interface strings, so they live here rather than in a UI catalogue.
import type { Language } from "./codelists.ts";

type PostKind = "case_study" | "funding_application";

const HEADINGS: Record<PostKind, Record<Language, string[]>> = {
  case_study: {
    en: ["Context", "Problem", "What we did", "Data and governance", "What happened", "Lessons"],
    fr: ["Contexte", "Problème", "Ce que nous avons fait", "Données et gouvernance", "Ce qui s'est passé", "Leçons"],
    nl: ["Context", "Probleem", "Wat we deden", "Data en governance", "Wat er gebeurde", "Lessen"],
  },
  funding_application: {
    en: ["The project", "What we asked for", "How the application was judged", "What happened next"],
    fr: ["Le projet", "Ce que nous avons demandé", "Comment la demande a été évaluée", "Ce qui a suivi"],
    nl: ["Het project", "Wat we vroegen", "Hoe de aanvraag werd beoordeeld", "Wat er daarna gebeurde"],
  },
};

/** The template a new story of this kind starts with, in the post's language: headings with room under each. */
export function storyTemplate(kind: PostKind, language: Language): string {
  return HEADINGS[kind][language].map((h) => `## ${h}\n\n\n`).join("");
}

/**
 * When a story is still an untouched template in another language, the template in the
 * post's language; otherwise the story as written. Lets a writer who only changed the
 * language (without JavaScript) get headings in that language.
 */
export function localiseUntouchedTemplate(kind: PostKind, language: Language, story: string): string {
  const normalised = story.replace(/\s+/g, " ").trim();
  for (const lang of Object.keys(HEADINGS[kind]) as Language[]) {
    if (normalised === storyTemplate(kind, lang).replace(/\s+/g, " ").trim()) return storyTemplate(kind, language);
  }
  return story;
}
