// The bench's synthetic corpus (issue 15): a seeded PRNG, per-language Zipf vocabularies (EN/FR/NL),
// post records of 300–1,500 words and the query pools, shared by `npm run bench` and
// `npm run bench:engines` so that every candidate is measured on the same posts and queries.
// Not test data: nothing here is imported by the site or the tests.

import { REJECTION_REASONS } from "../../src/lib/codelists.ts";

/** References a synthetic post points at (created in PocketBase by the bench, or made up). */
export type CorpusRefs = { orgs: string[]; funders: string[]; funderNames: string[]; calls: string[]; author: string };

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A corpus generator: the same seed gives the same query pools, then the same posts in the same order. */
export function benchCorpus(seed: number) {
  // ---------------------------------------------------------------------------------------
  // Synthetic corpus: a seeded PRNG, per-language Zipf vocabularies, post records

  const random = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  function some<T>(items: readonly T[], min: number, max: number): T[] {
    const n = int(min, Math.min(max, items.length));
    return [...items].sort(() => random() - 0.5).slice(0, n);
  }

  // The most frequent words of each language come first (stop words included, as in real
  // text); a generated tail of language-flavoured words gives the long Zipf tail.
  const COMMON = {
    en: "the of and to a in for is on that with was as it by we at be this from our were not are an have which but had their they patients model data care staff nurses hospital project pilot system team time alerts training results clinical work ward data protection would could more than after before also first one two three each only when what about into because all out new use used using how there been has them these other some most many very well then where who so if no may need needed without between during over under both while such through against across workflow evaluation risk accuracy vendor integration governance budget funding application outcome lessons learned failure success threshold sensitivity specificity validation deployment monitoring feedback radiology triage discharge letters medication scheduling prediction language speech recognition vision imaging sensors falls night residents home visits routes optimisation chatbot questions families privacy consent ethics board steering group clinicians physicians pharmacists managers documentation record electronic health interoperability standards procurement contract costs savings hours minutes weeks months year".split(
      " ",
    ),
    fr: "le de la les et des un une du en à pour est dans sur que qui au avec par pas nous a été ce plus ont sont mais aux ou son ses leur leurs cette ces comme tout très bien sans entre pendant après avant aussi deux trois mois semaines jours patients modèle données soins équipe infirmières infirmiers hôpital projet pilote système temps alertes formation résultats clinique travail service protection des données aurait pourrait charge domicile maison repos résidents tournées visites optimisation reconnaissance vocale notes dossier patient médicaments prescription chute capteurs nuit évaluation risque précision fournisseur intégration gouvernance budget financement demande refusée résultat leçons échec réussite seuil sensibilité validation déploiement suivi retour radiologie tri sortie lettres planification prédiction langage images familles vie privée consentement éthique comité direction médecins pharmaciens gestionnaires documentation électronique santé interopérabilité normes achat contrat coûts économies heures minutes année appel projets critères éligibilité impact qualité".split(
      " ",
    ),
    nl: "de het een van en in op te voor is dat met die zijn niet aan er om door bij ook als maar werd werden was we wij ons onze hun dit deze naar uit over tot nog meer dan na voor tijdens zonder tussen twee drie maanden weken dagen patiënten model gegevens zorg team verpleegkundigen ziekenhuis project pilot systeem tijd meldingen opleiding resultaten klinisch werk afdeling gegevensbescherming zou kon thuiszorg woonzorgcentrum bewoners rondes bezoeken optimalisatie spraakherkenning notities dossier medicatie voorschrift val valdetectie sensoren nacht evaluatie risico nauwkeurigheid leverancier integratie governance budget financiering aanvraag afgewezen uitkomst lessen mislukking succes drempel gevoeligheid validatie uitrol opvolging feedback radiologie triage ontslag brieven planning voorspelling taal beelden families privacy toestemming ethiek comité stuurgroep artsen apothekers managers documentatie elektronisch gezondheid interoperabiliteit standaarden aankoop contract kosten besparingen uren minuten jaar oproep projecten criteria impact kwaliteit".split(
      " ",
    ),
  } as const;
  const SYLLABLES = {
    en: [
      "ab",
      "ac",
      "al",
      "an",
      "ar",
      "be",
      "ca",
      "con",
      "de",
      "dis",
      "el",
      "en",
      "er",
      "ex",
      "for",
      "ga",
      "im",
      "in",
      "ing",
      "ion",
      "ist",
      "ly",
      "ment",
      "ness",
      "or",
      "per",
      "pre",
      "pro",
      "re",
      "sta",
      "ter",
      "tion",
      "un",
      "ure",
      "ver",
      "wor",
    ],
    fr: [
      "a",
      "ai",
      "au",
      "ba",
      "che",
      "ci",
      "con",
      "dé",
      "eau",
      "en",
      "ent",
      "é",
      "fi",
      "gé",
      "ier",
      "ique",
      "la",
      "lé",
      "ment",
      "mi",
      "ne",
      "oir",
      "on",
      "pa",
      "pré",
      "que",
      "ré",
      "sa",
      "sion",
      "té",
      "teur",
      "tion",
      "tré",
      "ue",
      "vi",
      "ure",
    ],
    nl: [
      "aan",
      "baar",
      "be",
      "ber",
      "de",
      "der",
      "drie",
      "ee",
      "eer",
      "en",
      "ge",
      "gen",
      "heid",
      "ij",
      "ing",
      "ke",
      "kel",
      "lijk",
      "ling",
      "meer",
      "ner",
      "oe",
      "ont",
      "oor",
      "raad",
      "schap",
      "sche",
      "ste",
      "ter",
      "uit",
      "ver",
      "vol",
      "waar",
      "zorg",
      "zaam",
      "ijk",
    ],
  } as const;
  type Lang = keyof typeof COMMON;
  const LANGS: Lang[] = ["en", "fr", "nl"];
  const TAIL_WORDS = 12_000;
  const ZIPF_S = 1.05;

  type Vocabulary = { words: string[]; cumulative: Float64Array };
  function vocabulary(lang: Lang): Vocabulary {
    const words = [...new Set(COMMON[lang])];
    const seen = new Set(words);
    while (words.length < COMMON[lang].length + TAIL_WORDS) {
      let word = "";
      for (let i = int(2, 4); i > 0; i--) word += pick(SYLLABLES[lang]);
      if (word.length >= 4 && !seen.has(word)) {
        seen.add(word);
        words.push(word);
      }
    }
    const cumulative = new Float64Array(words.length);
    let sum = 0;
    for (let r = 0; r < words.length; r++) cumulative[r] = sum += 1 / (r + 1) ** ZIPF_S;
    for (let r = 0; r < words.length; r++) cumulative[r]! /= sum;
    return { words, cumulative };
  }
  const VOCAB = Object.fromEntries(LANGS.map((l) => [l, vocabulary(l)])) as Record<Lang, Vocabulary>;

  function zipfWord(lang: Lang, minRank = 0): string {
    const { words, cumulative } = VOCAB[lang];
    for (;;) {
      const u = random();
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < u) lo = mid + 1;
        else hi = mid;
      }
      if (lo >= minRank) return words[lo]!;
    }
  }
  const sentence = (lang: Lang, n: number) => {
    const words = Array.from({ length: n }, () => zipfWord(lang));
    words[0] = words[0]!.charAt(0).toUpperCase() + words[0]!.slice(1);
    return `${words.join(" ")}.`;
  };
  function prose(lang: Lang, totalWords: number): { md: string; html: string } {
    const md: string[] = [];
    const html: string[] = [];
    let left = totalWords;
    let paragraph = 0;
    while (left > 0) {
      if (paragraph % 3 === 0) {
        const heading = Array.from({ length: int(2, 4) }, () => zipfWord(lang, 30)).join(" ");
        md.push(`## ${heading}`);
        html.push(`<h2>${heading}</h2>`);
      }
      const sentences: string[] = [];
      let inParagraph = Math.min(left, int(40, 120));
      left -= inParagraph;
      while (inParagraph > 0) {
        const n = Math.min(inParagraph, int(8, 20));
        sentences.push(sentence(lang, n));
        inParagraph -= n;
      }
      md.push(sentences.join(" "));
      html.push(`<p>${sentences.join(" ")}</p>`);
      paragraph++;
    }
    return { md: md.join("\n\n"), html: html.join("\n") };
  }

  const OUTCOMES = ["success", "partial", "failure", "abandoned", "ongoing"];
  const CARE_SETTINGS = [
    "hospital",
    "home_care",
    "care_home",
    "primary_care",
    "mental_health",
    "emergency",
    "radiology",
    "laboratory",
    "pharmacy",
    "administration",
  ];
  const AI_TYPES = ["computer_vision", "nlp", "llm", "predictive_model", "speech", "optimisation", "recommender", "rules_based", "robotics"];
  const STAGES = ["idea", "pilot", "production", "scaled", "stopped"];
  const DECISIONS = ["awarded", "rejected", "rejected", "withdrawn", "pending"];
  const REASONS = REJECTION_REASONS;
  const ORG_KINDS = [
    "hospital",
    "hospital",
    "hospital",
    "home_care",
    "care_home",
    "care_home",
    "primary_care",
    "mental_health",
    "vendor",
    "research",
    "patient_org",
  ];
  const REGIONS = ["flanders", "wallonia", "brussels"];
  const TAGS = Array.from({ length: 80 }, (_, i) => `topic-${i}`);
  const YEARS = { from: Date.UTC(2018, 0, 1), to: Date.UTC(2026, 9, 1) };

  let wordsTotal = 0;

  function syntheticPost(i: number, refs: CorpusRefs): Record<string, unknown> {
    const lang: Lang = random() < 0.45 ? "en" : random() < 0.45 ? "fr" : "nl";
    const r = random();
    const kind = r < 0.7 ? "case_study" : r < 0.9 ? "funding_application" : "discussion";
    // Log-uniform over 300–1,500 words: short posts are more common than long ones.
    const words = Math.round(Math.exp(Math.log(300) + random() * (Math.log(1500) - Math.log(300))));
    wordsTotal += words;
    const body = prose(lang, words);
    const title = sentence(lang, int(5, 10)).slice(0, -1);
    const post: Record<string, unknown> = {
      kind,
      slug: `bench-${i}`,
      title,
      summary: [sentence(lang, int(12, 20)), sentence(lang, int(10, 20))].join(" "),
      body_md: body.md,
      body_html: body.html,
      language: lang,
      tags: some(TAGS, 1, 5),
      organization: pick(refs.orgs),
      author: refs.author,
      anonymous: chance(0.15),
      status: "published",
      published_at: new Date(YEARS.from + random() * (YEARS.to - YEARS.from)),
      care_settings: some(CARE_SETTINGS, 1, 3),
      ai_types: some(AI_TYPES, 1, 2),
    };
    if (kind === "case_study") {
      const lessons = prose(lang, int(40, 150));
      Object.assign(post, {
        outcome: pick(OUTCOMES),
        lifecycle_stage: pick(STAGES),
        lessons_md: lessons.md,
        lessons_html: lessons.html,
        dpo_involved: chance(0.6),
        cost_eur: int(5, 500) * 1000,
      });
    } else if (kind === "funding_application") {
      const decision = pick(DECISIONS);
      const byFunder = chance(0.8);
      Object.assign(post, {
        funder: byFunder ? pick(refs.funders) : "",
        funder_name: byFunder ? "" : pick(refs.funderNames),
        call: byFunder && chance(0.6) ? pick(refs.calls) : "",
        decision,
        rejection_reasons: decision === "rejected" ? some(REASONS, 1, 3) : [],
        amount_requested: int(20, 2000) * 1000,
        currency: "EUR",
        published_by: "applicant",
        consent: "not_needed",
      });
    }
    return post;
  }

  // ---------------------------------------------------------------------------------------
  // Query pools: cycled in order, more distinct queries than the engine's result cache holds

  function midWord(lang: Lang): string {
    for (;;) {
      const word = zipfWord(lang, 40);
      if (VOCAB[lang].words.indexOf(word) < 3000 && word.length >= 4) return word;
    }
  }
  function typo(word: string): string {
    const i = int(1, word.length - 2);
    const letters = "abcdefghijklmnopqrstuvwxyz";
    switch (int(0, 2)) {
      case 0:
        return word.slice(0, i) + pick([...letters]) + word.slice(i + 1);
      case 1:
        return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
      default:
        return word.slice(0, i) + word.slice(i + 1);
    }
  }
  const POOL = 500;
  const plainQueries = Array.from({ length: POOL }, () => {
    const lang = pick(LANGS);
    return chance(0.5) ? midWord(lang) : `${midWord(lang)} ${midWord(lang)}`;
  });
  const typoQueries = Array.from({ length: POOL }, () => {
    const lang = pick(LANGS);
    let word = midWord(lang);
    while (word.length < 6) word = midWord(lang);
    return typo(word);
  });
  const FACET_CHOICES: [string, readonly string[]][] = [
    ["outcome", OUTCOMES],
    ["language", LANGS],
    ["kind", ["case_study", "funding_application", "discussion"]],
    ["care_setting", CARE_SETTINGS],
    ["ai_type", AI_TYPES],
    ["year", ["2019", "2021", "2023", "2025"]],
    ["decision", ["awarded", "rejected"]],
  ];
  const facetedQueries = Array.from({ length: POOL }, () => {
    const params = new URLSearchParams();
    if (chance(0.75)) params.set("q", plainQueries[int(0, POOL - 1)]!);
    for (const [name, values] of some(FACET_CHOICES, 1, 2)) for (const v of some(values, 1, 2)) params.append(name, v);
    return params.toString();
  });

  return {
    random,
    int,
    pick,
    chance,
    some,
    syntheticPost,
    /** Words of every post generated so far (for the mean). */
    wordsTotal: () => wordsTotal,
    plainQueries,
    typoQueries,
    facetedQueries,
    LANGS,
    OUTCOMES,
    CARE_SETTINGS,
    AI_TYPES,
    ORG_KINDS,
    REGIONS,
    TAGS,
    POOL,
  };
}
