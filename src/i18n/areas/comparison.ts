// "What separates successes from failures" (issue 17 §4): the outcomes of case studies compared
// by their governance and data facts, on /insights/outcomes and in the open-data exports. Fact
// names and answers come from the facts area (facts.label.*, code.<fact>.*); en.ts, fr.ts and
// nl.ts spread these in.

/** English. */
export const comparisonEn = {
  "comparison.title": "What separates successes from failures",
  "comparison.intro":
    "For each governance and data fact, how the published case studies that gave each answer ended. Only projects with a final outcome count; ongoing ones are left out.",
  "comparison.filters": "Filter the case studies",
  "comparison.all_settings": "All care settings",
  "comparison.all_ai_types": "All AI techniques",
  "comparison.baseline":
    "{projects, plural, =0 {No case study with a final outcome in this selection.} one {# case study with a final outcome in this selection.} other {# case studies with a final outcome in this selection.}} {share}",
  "comparison.baseline_share": "{failures} of them failed or were abandoned ({share}).",
  "comparison.small_rule": "An answer given by fewer than {min} projects shows how many gave it and “too few to compare”, without a share.",
  "comparison.contrasts.title": "Largest differences",
  "comparison.contrasts.intro":
    "For each fact with at least two answers that can be compared, the answer whose projects failed least and the one whose projects failed most.",
  "comparison.contrasts.none": "No fact has two answers with enough projects to compare yet.",
  "comparison.col.fact": "Fact",
  "comparison.col.fewest": "Fewest failures",
  "comparison.col.most": "Most failures",
  "comparison.col.gap": "Difference",
  "comparison.col.answer": "Answer",
  "comparison.col.projects": "Projects with a final outcome",
  "comparison.col.successes": "Succeeded fully or partly",
  "comparison.col.failures": "Failed or abandoned",
  "comparison.col.failure_share": "Share that failed",
  "comparison.gap_points": "{points, plural, one {# percentage point} other {# percentage points}}",
  "comparison.answer_share": "{answer}, {share} failed ({failures} of {projects})",
  "comparison.share_counts": "{share} ({failures} of {projects})",
  "comparison.too_few": "Too few to compare",
  "comparison.caption": "{fact}, outcomes of the case studies by answer",
  "comparison.chart_title": "{fact}, share of projects that failed",
  "comparison.chart_label": "{answer} ({projects, plural, one {# project} other {# projects}})",
  "comparison.chart_empty": "No answer has enough projects to compare",
  "comparison.not_counted":
    "{ongoing, plural, =0 {No project is still ongoing} one {# project is still ongoing} other {# projects are still ongoing}} and {unanswered, plural, =0 {no finished project left this question unanswered} one {# finished project left this question unanswered} other {# finished projects left this question unanswered}}; they are not counted here.",
  "comparison.roles_note": "A project counts once under every role it names, so the rows do not add up.",
  "comparison.method":
    "A project succeeded when its outcome is a success or a partial success, and failed when it failed or was abandoned. “Not known” is an answer and has its own row; a question left unanswered is not. These are published case studies, not a representative sample; a difference shows where to look, not a cause.",
  "comparison.unanswered_title": "Not answered by any case study in this selection",
  "comparison.download": "These figures as open data",
  "comparison.back": "Back to the insights",
  "comparison.opendata.title": "Outcomes by governance and data fact",
  "comparison.opendata.outcomes_csv": "the outcomes of the case studies by answer to each fact, one line per answer (spreadsheets)",
  "comparison.opendata.outcomes_json": "the same figures in JSON",
} as const;

/** French (Belgium). */
export const comparisonFr = {
  "comparison.title": "Ce qui distingue les réussites des échecs",
  "comparison.intro":
    "Pour chaque élément de gouvernance et de données, l’issue des études de cas publiées selon la réponse donnée. Seuls les projets terminés comptent ; ceux en cours sont laissés de côté.",
  "comparison.filters": "Filtrer les études de cas",
  "comparison.all_settings": "Tous les cadres de soins",
  "comparison.all_ai_types": "Toutes les techniques d’IA",
  "comparison.baseline":
    "{projects, plural, =0 {Aucune étude de cas terminée dans cette sélection.} one {# étude de cas terminée dans cette sélection.} other {# études de cas terminées dans cette sélection.}} {share}",
  "comparison.baseline_share": "{failures} ont échoué ou ont été abandonnées ({share}).",
  "comparison.small_rule":
    "Une réponse donnée par moins de {min} projets indique seulement combien l’ont donnée, avec la mention « trop peu pour comparer », sans pourcentage.",
  "comparison.contrasts.title": "Les plus grands écarts",
  "comparison.contrasts.intro":
    "Pour chaque élément qui compte au moins deux réponses comparables, la réponse dont les projets ont le moins échoué et celle dont les projets ont le plus échoué.",
  "comparison.contrasts.none": "Aucun élément ne compte encore deux réponses avec assez de projets pour comparer.",
  "comparison.col.fact": "Élément",
  "comparison.col.fewest": "Le moins d’échecs",
  "comparison.col.most": "Le plus d’échecs",
  "comparison.col.gap": "Écart",
  "comparison.col.answer": "Réponse",
  "comparison.col.projects": "Projets terminés",
  "comparison.col.successes": "Réussis totalement ou partiellement",
  "comparison.col.failures": "Échoués ou abandonnés",
  "comparison.col.failure_share": "Part d’échecs",
  "comparison.gap_points": "{points, plural, one {# point de pourcentage} other {# points de pourcentage}}",
  "comparison.answer_share": "{answer}, {share} d’échecs ({failures} sur {projects})",
  "comparison.share_counts": "{share} ({failures} sur {projects})",
  "comparison.too_few": "Trop peu pour comparer",
  "comparison.caption": "{fact}, issue des études de cas selon la réponse",
  "comparison.chart_title": "{fact}, part des projets qui ont échoué",
  "comparison.chart_label": "{answer} ({projects, plural, one {# projet} other {# projets}})",
  "comparison.chart_empty": "Aucune réponse ne compte assez de projets pour comparer",
  "comparison.not_counted":
    "{ongoing, plural, =0 {Aucun projet n’est encore en cours} one {# projet est encore en cours} other {# projets sont encore en cours}} et {unanswered, plural, =0 {aucun projet terminé n’a laissé cette question sans réponse} one {# projet terminé a laissé cette question sans réponse} other {# projets terminés ont laissé cette question sans réponse}} ; ils ne sont pas comptés ici.",
  "comparison.roles_note": "Un projet compte une fois pour chaque rôle qu’il cite ; les lignes ne s’additionnent donc pas.",
  "comparison.method":
    "Un projet a réussi quand son issue est une réussite totale ou partielle, et a échoué quand il a échoué ou a été abandonné. « Inconnu » est une réponse et a sa propre ligne ; une question restée sans réponse n’en a pas. Ce sont des études de cas publiées, pas un échantillon représentatif ; un écart montre où regarder, pas une cause.",
  "comparison.unanswered_title": "Sans réponse dans cette sélection",
  "comparison.download": "Ces chiffres en données ouvertes",
  "comparison.back": "Retour aux analyses",
  "comparison.opendata.title": "Issue des projets selon les éléments de gouvernance et de données",
  "comparison.opendata.outcomes_csv": "l’issue des études de cas selon la réponse à chaque élément, une ligne par réponse (tableurs)",
  "comparison.opendata.outcomes_json": "les mêmes chiffres au format JSON",
} as const satisfies Record<keyof typeof comparisonEn, string>;

/** Dutch (Flanders). */
export const comparisonNl = {
  "comparison.title": "Wat geslaagde projecten van mislukte onderscheidt",
  "comparison.intro":
    "Hoe de gepubliceerde praktijkcases afliepen, per antwoord op elk gegeven over governance en data. Alleen afgeronde projecten tellen mee; lopende projecten blijven buiten beschouwing.",
  "comparison.filters": "Praktijkcases filteren",
  "comparison.all_settings": "Alle zorgsettings",
  "comparison.all_ai_types": "Alle AI-technieken",
  "comparison.baseline":
    "{projects, plural, =0 {Geen afgeronde praktijkcase in deze selectie.} one {# afgeronde praktijkcase in deze selectie.} other {# afgeronde praktijkcases in deze selectie.}} {share}",
  "comparison.baseline_share": "Daarvan zijn er {failures} mislukt of stopgezet ({share}).",
  "comparison.small_rule":
    "Een antwoord dat minder dan {min} projecten gaven, toont alleen hoeveel het gaven en “te weinig om te vergelijken”, zonder percentage.",
  "comparison.contrasts.title": "De grootste verschillen",
  "comparison.contrasts.intro":
    "Per gegeven met minstens twee vergelijkbare antwoorden, het antwoord waarvan de projecten het minst mislukten en dat waarvan ze het vaakst mislukten.",
  "comparison.contrasts.none": "Nog geen enkel gegeven heeft twee antwoorden met genoeg projecten om te vergelijken.",
  "comparison.col.fact": "Gegeven",
  "comparison.col.fewest": "Minst mislukt",
  "comparison.col.most": "Vaakst mislukt",
  "comparison.col.gap": "Verschil",
  "comparison.col.answer": "Antwoord",
  "comparison.col.projects": "Afgeronde projecten",
  "comparison.col.successes": "Volledig of deels geslaagd",
  "comparison.col.failures": "Mislukt of stopgezet",
  "comparison.col.failure_share": "Aandeel mislukt",
  "comparison.gap_points": "{points, plural, one {# procentpunt} other {# procentpunten}}",
  "comparison.answer_share": "{answer}, {share} mislukt ({failures} van {projects})",
  "comparison.share_counts": "{share} ({failures} van {projects})",
  "comparison.too_few": "Te weinig om te vergelijken",
  "comparison.caption": "{fact}, afloop van de praktijkcases per antwoord",
  "comparison.chart_title": "{fact}, aandeel van de projecten dat mislukte",
  "comparison.chart_label": "{answer} ({projects, plural, one {# project} other {# projecten}})",
  "comparison.chart_empty": "Geen enkel antwoord heeft genoeg projecten om te vergelijken",
  "comparison.not_counted":
    "{ongoing, plural, =0 {Geen enkel project loopt nog} one {# project loopt nog} other {# projecten lopen nog}} en {unanswered, plural, =0 {geen enkel afgerond project liet deze vraag open} one {# afgerond project liet deze vraag open} other {# afgeronde projecten lieten deze vraag open}}; die tellen hier niet mee.",
  "comparison.roles_note": "Een project telt één keer mee bij elke rol die het noemt; de rijen tellen dus niet op.",
  "comparison.method":
    "Een project is geslaagd als het volledig of deels slaagde, en mislukt als het mislukte of werd stopgezet. “Niet gekend” is een antwoord en krijgt een eigen rij; een onbeantwoorde vraag niet. Dit zijn gepubliceerde praktijkcases, geen representatieve steekproef; een verschil toont waar je moet kijken, geen oorzaak.",
  "comparison.unanswered_title": "Door geen enkele praktijkcase in deze selectie beantwoord",
  "comparison.download": "Deze cijfers als open data",
  "comparison.back": "Terug naar de inzichten",
  "comparison.opendata.title": "Afloop van projecten per gegeven over governance en data",
  "comparison.opendata.outcomes_csv": "de afloop van de praktijkcases per antwoord op elk gegeven, één regel per antwoord (rekenbladen)",
  "comparison.opendata.outcomes_json": "dezelfde cijfers in JSON",
} as const satisfies Record<keyof typeof comparisonEn, string>;
