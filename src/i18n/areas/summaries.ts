// The summaries area's messages (issue 14), kept apart from the main catalogues so that each
// area's strings live in one file; en.ts, fr.ts and nl.ts spread them in.

/** English. */
export const summariesEn = {
  "domain.summary.round_table": "Choose the round table this summary reports on.",
  "domain.summary.round_table_fixed": "A summary stays with the round table it was started for.",
  "domain.summary.host_only": "A round table's summary is written for its host organisation.",
  "domain.summary.exists": "This round table already has a summary under way or published.",
  "domain.summary.chatham_names":
    "This round table follows the Chatham House rule: the summary may not name a participating organisation ({names}). Describe what was said without saying who said it; the participants are listed below the summary.",
  "domain.summary.consent_pending":
    "{count, plural, one {One participating organisation has} other {# participating organisations have}} not yet answered whether the summary may name them: it cannot be published before they do.",
  "domain.summary.names_without_consent":
    "The summary names organisations that did not consent to be named ({names}). Ask the host to remove their names before publishing.",
  "domain.summary.request_gone": "This naming request no longer exists.",
  "summary.no_sessions": "no session recorded",
  "notice.summary_consent": "{host} asks whether the summary of “{title}” may name {org}.",
  "summary.write.heading": "Write the summary of “{title}”",
  "summary.write.intro":
    "What was discussed, the positions and what participants recommend. On submission, each participating organisation's admins are asked whether the summary may name them; those who do not consent appear only by their description.",
  "summary.write.chatham": "Chatham House rule: attribute no statement to anyone. The form refuses a text that names a participating organisation.",
  "summary.write.not_allowed": "A summary is written by the host organisation's editors or admins, after a session has ended, once per round table.",
  "summary.form.title_hint": "For example “What three hospitals learnt about triage chatbots”.",
  "summary.form.summary": "In short",
  "summary.form.summary_hint": "Two or three sentences shown in lists and search results.",
  "summary.form.body": "The summary",
  "summary.form.body_hint": "What was discussed, the positions, what participants recommend. Markdown. Never patient data.",
  "summary.form.language": "Language of the summary",
  "summary.form.submit_hint":
    "“Save and submit” asks the participants for their consent to be named, sends it to your DPO when your organisation asks for a sign-off, then to a moderator.",
  "summary.write_link": "Write the summary",
  "summary.panel.heading": "The round table",
  "summary.panel.topic": "Topic",
  "summary.panel.host": "Hosted by",
  "summary.panel.dates": "Sessions",
  "summary.panel.participants": "Participants",
  "summary.panel.participants_hint": "Organisations that did not consent to be named appear by their description only.",
  "summary.panel.none": "No participating organisation is listed.",
  "summary.panel.chatham":
    "Held under the Chatham House rule: participants may use what was said, but this summary attributes no statement to any person or organisation.",
  "summary.consent.title": "Naming in round-table summaries",
  "summary.consent.intro":
    "Round tables your organisation took part in: may their published summary name your organisation among the participants? Without your consent it appears only by its description, for example “a hospital in Flanders”.",
  "summary.consent.none": "No round-table summary asks to name your organisations.",
  "summary.consent.asks": "{host} asks whether the summary of “{title}” may name {org}.",
  "summary.consent.chatham": "Held under the Chatham House rule: the summary attributes no statement to anyone.",
  "summary.consent.read": "What would be published",
  "summary.consent.no_summary": "The summary is not available any more.",
  "summary.consent.grant": "Name {org}",
  "summary.consent.refuse": "Describe it only",
  "summary.consent.state.requested": "Waiting for your answer",
  "summary.consent.state.granted": "You agreed: {org} is named.",
  "summary.consent.state.refused": "You refused: {org} appears only by its description.",
  "summary.consent.done": "Your answer is saved.",
  "summary.consent.dashboard": "Round-table summaries asking to name your organisation",
  "summary.org.heading": "Round tables it took part in",
  "summary.consent.open": "Read and answer",
} as const;

/** French (Belgium). */
export const summariesFr = {
  "domain.summary.round_table": "Choisissez la table ronde dont cette synthèse rend compte.",
  "domain.summary.round_table_fixed": "Une synthèse reste liée à la table ronde pour laquelle elle a été commencée.",
  "domain.summary.host_only": "La synthèse d’une table ronde est rédigée au nom de l’organisation qui l’accueille.",
  "domain.summary.exists": "Cette table ronde a déjà une synthèse en cours ou publiée.",
  "domain.summary.chatham_names":
    "Cette table ronde suit la règle de Chatham House : la synthèse ne peut pas nommer une organisation participante ({names}). Rapportez ce qui a été dit sans dire qui l’a dit ; les participants sont listés sous la synthèse.",
  "domain.summary.consent_pending":
    "{count, plural, one {Une organisation participante n’a} other {# organisations participantes n’ont}} pas encore répondu à la question de savoir si la synthèse peut les nommer : elle ne peut pas être publiée avant leur réponse.",
  "domain.summary.names_without_consent":
    "La synthèse nomme des organisations qui n’ont pas accepté d’être nommées ({names}). Demandez à l’organisateur de retirer leur nom avant la publication.",
  "domain.summary.request_gone": "Cette demande n’existe plus.",
  "summary.no_sessions": "aucune séance enregistrée",
  "notice.summary_consent": "{host} demande si la synthèse de « {title} » peut nommer {org}.",
  "summary.write.heading": "Rédiger la synthèse de « {title} »",
  "summary.write.intro":
    "Ce qui a été discuté, les positions et ce que recommandent les participants. À l’envoi, les administrateurs de chaque organisation participante sont consultés : la synthèse peut-elle les nommer ? Sans leur accord, elles n’apparaissent que par leur description.",
  "summary.write.chatham":
    "Règle de Chatham House : n’attribuez aucun propos à personne. Le formulaire refuse un texte qui nomme une organisation participante.",
  "summary.write.not_allowed":
    "Une synthèse est rédigée par les éditeurs ou administrateurs de l’organisation hôte, après la fin d’une séance, une fois par table ronde.",
  "summary.form.title_hint": "Par exemple « Ce que trois hôpitaux ont appris des chatbots de triage ».",
  "summary.form.summary": "En bref",
  "summary.form.summary_hint": "Deux ou trois phrases affichées dans les listes et les résultats de recherche.",
  "summary.form.body": "La synthèse",
  "summary.form.body_hint": "Ce qui a été discuté, les positions, ce que recommandent les participants. Markdown. Jamais de données de patients.",
  "summary.form.language": "Langue de la synthèse",
  "summary.form.submit_hint":
    "« Enregistrer et envoyer » demande aux participants leur accord pour être nommés, l’envoie à votre DPO si votre organisation demande sa validation, puis à un modérateur.",
  "summary.write_link": "Rédiger la synthèse",
  "summary.panel.heading": "La table ronde",
  "summary.panel.topic": "Sujet",
  "summary.panel.host": "Organisée par",
  "summary.panel.dates": "Séances",
  "summary.panel.participants": "Participants",
  "summary.panel.participants_hint": "Les organisations qui n’ont pas accepté d’être nommées n’apparaissent que par leur description.",
  "summary.panel.none": "Aucune organisation participante n’est listée.",
  "summary.panel.chatham":
    "Tenue sous la règle de Chatham House : les participants peuvent utiliser ce qui a été dit, mais cette synthèse n’attribue aucun propos à une personne ou une organisation.",
  "summary.consent.title": "Mention dans les synthèses de tables rondes",
  "summary.consent.intro":
    "Tables rondes auxquelles votre organisation a participé : leur synthèse publiée peut-elle nommer votre organisation parmi les participants ? Sans votre accord, elle n’apparaît que par sa description, par exemple « un hôpital en Flandre ».",
  "summary.consent.none": "Aucune synthèse de table ronde ne demande à nommer vos organisations.",
  "summary.consent.asks": "{host} demande si la synthèse de « {title} » peut nommer {org}.",
  "summary.consent.chatham": "Tenue sous la règle de Chatham House : la synthèse n’attribue aucun propos à personne.",
  "summary.consent.read": "Ce qui serait publié",
  "summary.consent.no_summary": "La synthèse n’est plus disponible.",
  "summary.consent.grant": "Nommer {org}",
  "summary.consent.refuse": "La décrire seulement",
  "summary.consent.state.requested": "En attente de votre réponse",
  "summary.consent.state.granted": "Vous avez accepté : {org} est nommée.",
  "summary.consent.state.refused": "Vous avez refusé : {org} n’apparaît que par sa description.",
  "summary.consent.done": "Votre réponse est enregistrée.",
  "summary.consent.dashboard": "Synthèses de tables rondes qui demandent à nommer votre organisation",
  "summary.org.heading": "Tables rondes auxquelles elle a participé",
  "summary.consent.open": "Lire et répondre",
} as const satisfies Record<keyof typeof summariesEn, string>;

/** Dutch (Flanders). */
export const summariesNl = {
  "domain.summary.round_table": "Kies de rondetafel waarover deze samenvatting gaat.",
  "domain.summary.round_table_fixed": "Een samenvatting blijft bij de rondetafel waarvoor ze begonnen werd.",
  "domain.summary.host_only": "De samenvatting van een rondetafel wordt geschreven namens de organisatie die ze organiseert.",
  "domain.summary.exists": "Deze rondetafel heeft al een samenvatting in de maak of gepubliceerd.",
  "domain.summary.chatham_names":
    "Deze rondetafel volgt de Chatham House-regel: de samenvatting mag geen deelnemende organisatie noemen ({names}). Geef weer wat er gezegd werd zonder te zeggen wie het zei; de deelnemers staan onder de samenvatting.",
  "domain.summary.consent_pending":
    "{count, plural, one {Eén deelnemende organisatie heeft} other {# deelnemende organisaties hebben}} nog niet geantwoord of de samenvatting hen mag noemen: ze kan niet gepubliceerd worden voor ze dat doen.",
  "domain.summary.names_without_consent":
    "De samenvatting noemt organisaties die niet instemden om genoemd te worden ({names}). Vraag de organisator hun naam te schrappen voor publicatie.",
  "domain.summary.request_gone": "Deze vraag bestaat niet meer.",
  "summary.no_sessions": "geen sessie geregistreerd",
  "notice.summary_consent": "{host} vraagt of de samenvatting van “{title}” {org} mag noemen.",
  "summary.write.heading": "De samenvatting van “{title}” schrijven",
  "summary.write.intro":
    "Wat er besproken werd, de standpunten en wat de deelnemers aanbevelen. Bij het indienen wordt de beheerders van elke deelnemende organisatie gevraagd of de samenvatting hen mag noemen; wie niet instemt, staat er alleen met zijn omschrijving in.",
  "summary.write.chatham": "Chatham House-regel: schrijf geen uitspraak aan iemand toe. Het formulier weigert een tekst die een deelnemende organisatie noemt.",
  "summary.write.not_allowed":
    "Een samenvatting wordt geschreven door de redacteurs of beheerders van de organiserende organisatie, na afloop van een sessie, één keer per rondetafel.",
  "summary.form.title_hint": "Bijvoorbeeld “Wat drie ziekenhuizen leerden over triagechatbots”.",
  "summary.form.summary": "Kort gezegd",
  "summary.form.summary_hint": "Twee of drie zinnen die in lijsten en zoekresultaten verschijnen.",
  "summary.form.body": "De samenvatting",
  "summary.form.body_hint": "Wat er besproken werd, de standpunten, wat de deelnemers aanbevelen. Markdown. Nooit patiëntgegevens.",
  "summary.form.language": "Taal van de samenvatting",
  "summary.form.submit_hint":
    "“Bewaren en indienen” vraagt de deelnemers om toestemming om genoemd te worden, stuurt ze naar uw DPO als uw organisatie een goedkeuring vraagt, en dan naar een moderator.",
  "summary.write_link": "De samenvatting schrijven",
  "summary.panel.heading": "De rondetafel",
  "summary.panel.topic": "Onderwerp",
  "summary.panel.host": "Georganiseerd door",
  "summary.panel.dates": "Sessies",
  "summary.panel.participants": "Deelnemers",
  "summary.panel.participants_hint": "Organisaties die niet instemden om genoemd te worden, staan er alleen met hun omschrijving.",
  "summary.panel.none": "Er staat geen deelnemende organisatie vermeld.",
  "summary.panel.chatham":
    "Gehouden onder de Chatham House-regel: deelnemers mogen gebruiken wat er gezegd werd, maar deze samenvatting schrijft geen uitspraak toe aan een persoon of organisatie.",
  "summary.consent.title": "Vermelding in samenvattingen van rondetafels",
  "summary.consent.intro":
    "Rondetafels waaraan uw organisatie deelnam: mag hun gepubliceerde samenvatting uw organisatie bij de deelnemers noemen? Zonder uw toestemming staat ze er alleen met haar omschrijving in, bijvoorbeeld “een ziekenhuis in Vlaanderen”.",
  "summary.consent.none": "Geen enkele samenvatting van een rondetafel vraagt om uw organisaties te noemen.",
  "summary.consent.asks": "{host} vraagt of de samenvatting van “{title}” {org} mag noemen.",
  "summary.consent.chatham": "Gehouden onder de Chatham House-regel: de samenvatting schrijft aan niemand een uitspraak toe.",
  "summary.consent.read": "Wat gepubliceerd zou worden",
  "summary.consent.no_summary": "De samenvatting is niet meer beschikbaar.",
  "summary.consent.grant": "{org} noemen",
  "summary.consent.refuse": "Alleen omschrijven",
  "summary.consent.state.requested": "Wacht op uw antwoord",
  "summary.consent.state.granted": "U stemde in: {org} wordt genoemd.",
  "summary.consent.state.refused": "U weigerde: {org} staat er alleen met haar omschrijving in.",
  "summary.consent.done": "Uw antwoord is bewaard.",
  "summary.consent.dashboard": "Samenvattingen van rondetafels die uw organisatie willen noemen",
  "summary.org.heading": "Rondetafels waaraan ze deelnam",
  "summary.consent.open": "Lezen en antwoorden",
} as const satisfies Record<keyof typeof summariesEn, string>;
