/**
 * The oversharing guard (policy/oversharing.ts) on realistic forum posts:
 * posts that share a personal detail must be caught (each kind, in English,
 * French and German), and everyday patient talk (doses, treatment dates, lab
 * values, trial ids, links) must not be.  The test prints the detection and
 * false-alarm rates over its examples, and asserts every example.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  detectPersonalDetails,
  type PersonalDetailKind,
  redactSpans,
  validNhsNumber,
  validNir,
  validSteuerId,
} from "../policy/oversharing.ts";

interface Positive {
  text: string;
  /** Each detail that must be found: its kind and its exact text. */
  finds: Array<[PersonalDetailKind, string]>;
  locale?: string;
}

const positives: Positive[] = [
  // Phone numbers
  {
    text: "Anyone in Leeds who wants to talk before their first infusion, text me. My mobile is 07700 900123 and I'm usually up late with the steroids anyway.",
    finds: [["phone", "07700 900123"]],
  },
  {
    text: "The lymphoedema clinic finally called back! If you're local the direct line is 0113 496 0000, ask for the Tuesday clinic. Much better than going through switchboard.",
    finds: [["phone", "0113 496 0000"]],
  },
  {
    text: "Happy to share what worked for my mouth sores. Call or text me at (512) 555-0147 any evening, Central time. I know how lonely the first cycle is.",
    finds: [["phone", "(512) 555-0147"]],
    locale: "en-US",
  },
  {
    text: "Pour celles qui sont à Lyon, je peux vous prêter ma perruque. Appelez-moi au 06 12 34 56 78, de préférence le soir. Bon courage à toutes.",
    finds: [["phone", "06 12 34 56 78"]],
    locale: "fr",
  },
  {
    text: "Wer in Köln Anschluss sucht: meine Handynummer ist 0171 2345678. Ich bin nach der dritten Chemo oft wach und freue mich über Nachrichten.",
    finds: [["phone", "0171 2345678"]],
    locale: "de",
  },
  {
    text: "I'm travelling to the trial site in Boston next month. My WhatsApp is +44 7700 900456 if anyone there fancies a coffee between scans.",
    finds: [["phone", "+44 7700 900456"]],
  },
  // Email addresses
  {
    text: "I made a spreadsheet for tracking side effects between appointments. Email me at jane.doe@example.com and I'll send it over, no strings attached.",
    finds: [["email", "jane.doe@example.com"]],
  },
  {
    text: "Je coordonne un petit groupe de parole à Nantes. Écrivez-moi : marie.dupont@exemple.fr et je vous envoie les dates.",
    finds: [["email", "marie.dupont@exemple.fr"]],
    locale: "fr",
  },
  {
    text: "Für alle, die die Übungen für nach der OP suchen: schreibt mir an k.mueller@beispiel.de, ich schicke euch die PDF-Datei.",
    finds: [["email", "k.mueller@beispiel.de"]],
    locale: "de",
  },
  // Street addresses
  {
    text: "Our support meetup moved. We now meet at my flat, 42 Chestnut Road, every second Thursday. Bring biscuits if your stomach allows!",
    finds: [["address", "42 Chestnut Road"]],
  },
  {
    text: "If you want to drop off the spare pill organiser, my address is 17 Willow Crescent, Leeds LS6 2QT. I'm home most days because of the fatigue.",
    finds: [["address", "17 Willow Crescent"], ["address", "LS6 2QT"]],
  },
  {
    text: "Send the care package to 1600 Maple Avenue, Austin, TX 78701 and I'll share it around the infusion center.",
    finds: [["address", "1600 Maple Avenue"], ["address", "TX 78701"]],
    locale: "en-US",
  },
  {
    text: "On se retrouve chez moi, 12 rue de la Paix, samedi après-midi. Il y aura du thé et pas de questions sur les marqueurs.",
    finds: [["address", "12 rue de la Paix"]],
    locale: "fr",
  },
  {
    text: "Das nächste Treffen ist bei mir zu Hause in der Hauptstraße 12 in Mainz. Bitte vorher Bescheid sagen, die Treppe ist steil.",
    finds: [["address", "Hauptstraße 12"]],
    locale: "de",
  },
  // Dates of birth
  {
    text: "I keep forgetting how young I was at diagnosis. I was born on 4 May 1961 and found the lump at 58. Feels like another life.",
    finds: [["birth-date", "born on 4 May 1961"]],
  },
  {
    text: "The form asks for everything. Name, DOB 04/05/1961, NHS trust, previous surgeries. Does anyone know why they need all that again?",
    finds: [["birth-date", "DOB 04/05/1961"]],
  },
  {
    text: "Mon dossier était mal rempli : je suis née le 12 mars 1975, pas en 1957 ! La secrétaire a corrigé après trois appels.",
    finds: [["birth-date", "née le 12 mars 1975"]],
    locale: "fr",
  },
  {
    text: "Auf dem Befund stand ein falsches Datum. Ich bin geboren am 03.07.1968, nicht 1986. Jetzt muss alles neu ausgestellt werden.",
    finds: [["birth-date", "geboren am 03.07.1968"]],
    locale: "de",
  },
  {
    text: "For the insurance appeal they wanted my date of birth: March 14, 1972. Then they lost the fax. Twice.",
    finds: [["birth-date", "date of birth: March 14, 1972"]],
    locale: "en-US",
  },
  // Hospital and patient numbers
  {
    text: "If anyone from the ward reads this, my NHS number is 943 476 5919 and my bloods still haven't been uploaded. Three weeks now.",
    finds: [["health-id", "NHS number is 943 476 5919"]],
  },
  {
    text: "Here is my letter from the clinic so you can see the wording they used. Reference 9434765919 at the top, then the plan for radiotherapy.",
    finds: [["health-id", "9434765919"]],
  },
  {
    text: "Pharmacy keeps mixing me up with another patient. My MRN 1234567 is on the wristband but they still called the wrong name.",
    finds: [["health-id", "MRN 1234567"]],
    locale: "en-US",
  },
  {
    text: "When you ring the chemo hotline they ask for it straight away, so I wrote Hospital number: RX4883921 on my phone case. Saves fumbling for the letter.",
    finds: [["health-id", "Hospital number: RX4883921"]],
  },
  {
    text: "À l'accueil de l'hôpital on m'a demandé mon numéro de patient 20451987 avant même de dire bonjour. C'est déshumanisant.",
    finds: [["health-id", "numéro de patient 20451987"]],
    locale: "fr",
  },
  // National identifiers
  {
    text: "For the PIP form you need your National Insurance number. Mine is AB 12 34 56 C and I still got it wrong twice on the form.",
    finds: [["national-id", "AB 12 34 56 C"]],
  },
  {
    text: "The disability office needed my SSN 123-45-6789 before they would even look at the appeal. Is that normal?",
    finds: [["national-id", "SSN 123-45-6789"]],
    locale: "en-US",
  },
  {
    text: "La CPAM a perdu mon dossier ALD. Mon numéro de sécu c'est 2 84 07 76 451 089 13, si quelqu'un sait à qui l'envoyer…",
    finds: [["national-id", "2 84 07 76 451 089 13"]],
    locale: "fr",
  },
  {
    text: "Die Krankenkasse wollte meine Steuer-ID für die Erstattung: 86095742719. Ist das bei euch auch so gewesen?",
    finds: [["national-id", "86095742719"]],
    locale: "de",
  },
  // Full names of other people
  {
    text: "Just got back from clinic. My oncologist Dr Sarah Jones was brilliant, she drew the whole plan on a napkin. Feeling hopeful for once.",
    finds: [["name", "Dr Sarah Jones"]],
  },
  {
    text: "My neighbour John Smith drives me to radiotherapy every day. I don't know how I'll ever repay him.",
    finds: [["name", "John Smith"]],
  },
  {
    text: "Complaining about the day unit again: Nurse Emily Clarke told me my port was fine when it clearly wasn't. I've put in a formal complaint.",
    finds: [["name", "Nurse Emily Clarke"]],
  },
  {
    text: "Mon oncologue, Dr Claire Martin, m'a enfin parlé franchement des options. Je sors de là épuisée mais soulagée.",
    finds: [["name", "Dr Claire Martin"]],
    locale: "fr",
  },
  {
    text: "Meine Nachbarin Petra Schneider hat mir heute Suppe gebracht. Nach der Bestrahlung kann ich kaum kochen.",
    finds: [["name", "Petra Schneider"]],
    locale: "de",
  },
  {
    text: "My boss, Mark Thompson, asked everyone in the team whether I'd be back after chemo. I never told him it was cancer.",
    finds: [["name", "Mark Thompson"]],
  },
  // Several kinds in one post
  {
    text: "Update for the group chat admins: it's Dr. Amir Patel at the Royal, and you can reach me on 07700 900789 if the forum is down.",
    finds: [["name", "Dr. Amir Patel"], ["phone", "07700 900789"]],
  },
];

const negatives: string[] = [
  // Doses
  "Started tamoxifen 20 mg once a day last week. Hot flushes already, but the pharmacist said it settles after a few months. Anyone else on it?",
  "They bumped my gabapentin to 300 mg three times a day and I feel like I'm walking through fog. Going to ask about splitting the dose.",
  "Docetaxel 75 mg/m2 every three weeks, six cycles. Cycle 3 of 6 done today and the nails are starting to go.",
  "My oncologist wants me on 5 mg twice a day of the new one, then 10 mg if my liver tests stay okay. Fingers crossed.",
  "Methotrexate 15mg weekly plus folic acid 5mg the day after. The nausea is worst on Tuesday evenings for me.",
  "Paclitaxel 80mg/m2 weekly for 12 weeks, then the AC part. Anyone know if the cold cap works with weekly dosing?",
  // Dates of treatment
  "Chemo on 12/03/2026, scan on 02/04/2026 and the results meeting two weeks after that. The waiting is the worst part.",
  "Started on 3 March and had my last radiotherapy session on 28 April. The skin is still healing but I rang the bell!",
  "J'ai commencé la chimio le 12 mars et la dernière séance est prévue le 4 juin. Je compte les jours, vraiment.",
  "Meine erste Infusion war am 03.02.2026, die nächste ist am 24.02.2026. Bisher ging es mit der Übelkeit.",
  "Diagnosed in 2019, surgery in 2020, clear scans in 2021, 2022 and 2023. Recurrence this year, so back to square one.",
  "Surgery is booked for 2026-05-14 and pre-op assessment a week before. Any tips for packing the hospital bag?",
  // Lab values
  "CA-125 was 35 U/mL last month and 28 U/mL this month. My team says anything under 35 is in the normal range.",
  "Platelets 150 x10^9/L, neutrophils 1.2, haemoglobin 105 g/L. They went ahead with the cycle but reduced the dose by 20%.",
  "HbA1c 48 mmol/mol at my last check, down from 62. The steroids made my sugars go wild during treatment.",
  "PSA went from 0.04 to 0.11 ng/mL in six months. The urologist wants to repeat it in three months before deciding anything.",
  "Ma NFS : plaquettes 98 000, leucocytes 3,2 G/L. L'infirmière dit que c'est limite mais acceptable pour la cure.",
  "Meine Leberwerte: GPT 45 U/l, GOT 38 U/l, Bilirubin 0,9 mg/dl. Der Arzt ist zufrieden, ich noch nicht ganz.",
  "Blood pressure was 145/92 before the infusion and 128/80 after. The nurse thinks it was white-coat nerves.",
  "My eGFR dropped to 55 mL/min/1.73m2 after the cisplatin. Kidney team is keeping an eye on it every 2 weeks.",
  // Trial ids, links, handles
  "I'm on trial NCT01234567 (phase 2, immunotherapy plus chemo). Happy to answer questions about what the visits are like.",
  "This page explains the trial well: https://clinicaltrials.gov/study/NCT04567890?term=07700900123&rank=1 and it's in plain English.",
  "Follow @nurse_anna@kindred.example for her weekly Q&A about port care. She answers everything patiently.",
  "EudraCT 2019-001234-56 was the study my consultant mentioned. I couldn't find the results anywhere.",
  // Names that are not other people's full names
  "My oncologist said the scan looks stable. Dr Jones will see me again in three months and we will decide then.",
  "My GP prescribed Lyrica Pregabalin for the nerve pain but it made me dizzy, so she switched me to something else.",
  "My consultant at St James University Hospital was kind but rushed. I wrote my questions down this time.",
  "Watched a Ted Talk about grief and cancer last night. Not sure it helped but it made me cry in a good way.",
  // Everyday talk with numbers
  "Week 7 of 12 of radiotherapy. 30 fractions total, 60 Gy. Tiredness hits around 3 pm every day like clockwork.",
  "Walked 10,000 steps for the first time since surgery! It took 2 hours and 15 minutes, but I did it.",
  "I've been on the waiting list for 14 weeks now, position 23 according to the portal. Call centre hold times are 45 minutes.",
  "Le traitement coûte 1 200 euros par mois, remboursé à 100 % en ALD heureusement. Sans ça je ne sais pas comment on ferait.",
  "Nach 6 Zyklen FOLFOX und 25 Bestrahlungen bin ich endlich durch. Danke an alle hier für die Unterstützung!",
];

let caught = 0;
let falseAlarms = 0;

describe("oversharing guard: posts that share personal details", () => {
  for (const [i, example] of positives.entries()) {
    it(`finds ${example.finds.map(([kind]) => kind).join(", ")} (example ${i + 1})`, () => {
      const found = detectPersonalDetails(example.text, example.locale);
      const ok = example.finds.every(([kind, text]) => found.some((f) => f.kind === kind && f.text === text));
      if (ok) caught++;
      for (const [kind, text] of example.finds) {
        expect(found).toContainEqual(expect.objectContaining({ kind, text }));
      }
      for (const f of found) expect(example.text.slice(f.start, f.end)).toBe(f.text);
    });
  }
});

describe("oversharing guard: everyday posts that must not trigger", () => {
  for (const [i, text] of negatives.entries()) {
    it(`finds nothing (example ${i + 1})`, () => {
      const found = detectPersonalDetails(text);
      if (found.length > 0) falseAlarms++;
      expect(found).toEqual([]);
    });
  }
});

describe("oversharing guard: details", () => {
  it("checks identifiers by their checksum", () => {
    expect(validNhsNumber("943 476 5919")).toBe(true);
    expect(validNhsNumber("943 476 5918")).toBe(false);
    expect(validNir("2 84 07 76 451 089 13")).toBe(true);
    expect(validNir("2 84 07 76 451 089 14")).toBe(false);
    expect(validSteuerId("86095742719")).toBe(true);
    expect(validSteuerId("86095742718")).toBe(false);
    expect(detectPersonalDetails("Reference 943 476 5918 on the letter.", "en-GB")).toEqual([]);
  });

  it("does not report the author's own name", () => {
    const text = "Signed off by my therapist, Dr Sarah Jones. My friend Tom Baker came too.";
    const found = detectPersonalDetails(text, "en-GB", { ownNames: ["Sarah Jones"] });
    expect(found.map((f) => f.text)).toEqual(["Tom Baker"]);
  });

  it("uses only the locale's own shapes when a locale is given", () => {
    const text = "Ruf mich an: 030 12345678.";
    expect(detectPersonalDetails(text, "de").map((f) => f.kind)).toEqual(["phone"]);
    expect(detectPersonalDetails(text, "en-US")).toEqual([]);
  });

  it("redacts spans, in any order", () => {
    const text = "Call 07700 900123 or jane@example.com today.";
    const found = detectPersonalDetails(text);
    expect(redactSpans(text, [...found].reverse(), "[removed]")).toBe("Call [removed] or [removed] today.");
  });
});

afterAll(() => {
  const detection = (100 * caught / positives.length).toFixed(1);
  const falseAlarm = (100 * falseAlarms / negatives.length).toFixed(1);
  process.stdout.write(
    `oversharing guard: detection ${caught}/${positives.length} (${detection}%), ` +
      `false alarms ${falseAlarms}/${negatives.length} (${falseAlarm}%)\n`,
  );
});
