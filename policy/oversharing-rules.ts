/**
 * The data of the oversharing guard (policy/oversharing.ts), per locale:
 * phone number shapes, street address shapes, the words that announce a
 * date of birth, the titles and relation words that announce another
 * person's full name.  Patterns are regular expression sources, compiled
 * with the "u" flag (never "i": capital letters matter for names); write
 * case alternatives explicitly ("[Mm]y").
 */

export interface LocaleRules {
  /** Phone numbers as written in this country. */
  phones: string[];
  /** Street addresses (and postcodes) as written in this country. */
  addresses: string[];
  /** Words that say the date that follows is a birth date (case-insensitive). */
  birthWords: string[];
  /** Month names and abbreviations (case-insensitive). */
  months: string[];
  /** Titles that precede a person's name ("Dr", "Mme"), written as they are capitalised. */
  titles: string[];
  /** Possessives that start a relation ("my", "mon"), lower case. */
  possessives: string[];
  /** Relations to a person ("oncologist", "neighbour"), lower case. */
  relations: string[];
}

const STREET_EN = "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Close|Way|Court|Ct|Crescent|Place|Gardens|Terrace|" +
  "Boulevard|Blvd|Grove|Square|Mews|Parkway|Row|Walk";
const CAP_WORD = "\\p{Lu}[\\p{L}'’-]*";

const EN_MONTHS = [
  "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
  "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];

const EN_RELATIONS = [
  "oncologist", "consultant", "gp", "doctor", "nurse", "surgeon", "neighbour", "neighbor", "husband", "wife",
  "partner", "boss", "manager", "colleague", "friend", "sister", "brother", "mother", "mum", "mom", "father",
  "dad", "son", "daughter", "aunt", "uncle", "cousin", "specialist", "neurologist", "cardiologist", "therapist",
  "carer", "caregiver", "physio", "psychiatrist", "haematologist", "hematologist", "rheumatologist", "midwife",
  "ex", "landlord", "flatmate", "roommate", "teacher", "grandson", "granddaughter", "niece", "nephew",
];
const EN_TITLES = ["Dr", "Dr\\.", "Doctor", "Prof", "Prof\\.", "Professor", "Mr", "Mr\\.", "Mrs", "Mrs\\.", "Ms", "Ms\\.", "Miss", "Nurse", "Sister"];

/** Rules by locale tag; "en-GB" and "en-US" share the English words. */
export const LOCALE_RULES: Readonly<Record<string, LocaleRules>> = {
  "en-GB": {
    phones: [
      // Mobiles 07xxx xxxxxx, landlines 01xx/02x with their area code, +44.
      "(?:\\+44\\s?\\(?0?\\)?\\s?|\\b0)7\\d{3}[\\s-]?\\d{3}[\\s-]?\\d{3}\\b",
      "(?:\\+44\\s?\\(?0?\\)?\\s?|\\b0)[1-3]\\d{1,4}[\\s-]?\\d{3,4}[\\s-]?\\d{3,4}\\b",
    ],
    addresses: [
      `\\b\\d{1,4}[a-zA-Z]?,?\\s(?:${CAP_WORD}\\s){1,3}(?:${STREET_EN})\\b\\.?`,
      // Postcodes, written in capitals with their space: "SW1A 1AA", "M1 1AE".
      "\\b[A-Z]{1,2}\\d[A-Z\\d]?\\s\\d[ABD-HJLNP-UW-Z]{2}\\b",
    ],
    birthWords: ["born on", "born", "date of birth", "d\\.?o\\.?b\\.?", "birthday is", "birth date"],
    months: EN_MONTHS,
    titles: EN_TITLES,
    possessives: ["my", "our", "his", "her", "their"],
    relations: EN_RELATIONS,
  },
  "en-US": {
    phones: ["(?:\\+1[\\s.-]?)?(?:\\(\\d{3}\\)\\s?|\\b[2-9]\\d{2}[\\s.-])\\d{3}[\\s.-]\\d{4}\\b"],
    addresses: [
      `\\b\\d{1,5}\\s(?:[NSEW]\\.?\\s)?(?:${CAP_WORD}\\s){1,3}(?:${STREET_EN})\\b\\.?(?:,?\\s(?:Apt|Suite|Unit)\\.?\\s?\\w+)?`,
      // A ZIP code only after a state abbreviation: "Austin, TX 78701".
      "\\b[A-Z]{2}\\s\\d{5}(?:-\\d{4})?\\b",
    ],
    birthWords: ["born on", "born", "date of birth", "d\\.?o\\.?b\\.?", "birthday is", "birth date"],
    months: EN_MONTHS,
    titles: EN_TITLES,
    possessives: ["my", "our", "his", "her", "their"],
    relations: EN_RELATIONS,
  },
  fr: {
    phones: [
      "(?:\\+33\\s?\\(?0?\\)?\\s?|\\b0)[1-9](?:[\\s.-]?\\d{2}){4}\\b",
    ],
    addresses: [
      "\\b\\d{1,4}(?:\\s?(?:bis|ter))?,?\\s(?:rue|avenue|av\\.|boulevard|bd|place|allée|impasse|chemin|quai|route|cours)" +
      `\\s(?:(?:de la|de l'|du|des|de|d'|la|le|l')\\s?)?${CAP_WORD}(?:\\s${CAP_WORD}){0,3}`,
    ],
    birthWords: ["née? le", "née? en", "date de naissance", "anniversaire est le"],
    months: [
      "janvier", "février", "fevrier", "mars", "avril", "mai", "juin", "juillet", "août", "aout", "septembre",
      "octobre", "novembre", "décembre", "decembre",
    ],
    titles: ["Dr", "Dr\\.", "Docteur", "Pr", "Pr\\.", "Professeur", "M\\.", "Mme", "Mlle", "Madame", "Monsieur"],
    possessives: ["mon", "ma", "notre"],
    relations: [
      "oncologue", "médecin", "medecin", "généraliste", "infirmière", "infirmier", "chirurgien", "chirurgienne",
      "voisin", "voisine", "mari", "femme", "compagnon", "compagne", "patron", "patronne", "collègue", "amie?",
      "sœur", "soeur", "frère", "frere", "mère", "mere", "père", "pere", "fils", "fille", "tante", "oncle",
      "cousine?", "psychiatre", "kiné", "neurologue", "cardiologue",
    ],
  },
  de: {
    phones: [
      // Mobile 015x/016x/017x and landlines with area code; "/" and "-" are common separators.
      "(?:\\+49\\s?\\(?0?\\)?\\s?|\\b0)1[5-7]\\d{1,2}[\\s/-]?\\d{3,4}[\\s-]?\\d{3,4}\\b",
      "(?:\\+49\\s?\\(?0?\\)?\\s?|\\b0)[2-9]\\d{1,4}[\\s/-]\\d{3,8}(?:[\\s-]\\d{1,5})?\\b",
    ],
    addresses: [
      `\\b(?:${CAP_WORD}\\s)?\\p{Lu}[\\p{L}-]*(?:straße|strasse|str\\.|weg|gasse|platz|allee|ring|damm|ufer)\\s\\d{1,4}(?:\\s?[a-z](?!\\p{L}))?(?!\\p{N})`,
      `\\b${CAP_WORD}\\s(?:Straße|Strasse|Weg|Platz|Allee|Gasse)\\s\\d{1,4}(?:\\s?[a-z](?!\\p{L}))?(?!\\p{N})`,
    ],
    birthWords: ["geboren am", "geboren", "geb\\.(?:\\s?am)?", "geburtsdatum", "geburtstag ist am"],
    months: [
      "januar", "jänner", "februar", "märz", "maerz", "april", "mai", "juni", "juli", "august", "september",
      "oktober", "november", "dezember",
    ],
    titles: ["Dr\\.", "Dr", "Prof\\.", "Professor", "Professorin", "Herr", "Herrn", "Frau", "Schwester", "Pfleger"],
    possessives: ["mein", "meine", "meinem", "meiner", "meinen", "unser", "unsere", "unserem", "unserer"],
    relations: [
      "onkologe", "onkologin", "arzt", "ärztin", "hausarzt", "hausärztin", "nachbar", "nachbarin", "mann", "frau",
      "partner", "partnerin", "chef", "chefin", "kollege", "kollegin", "freund", "freundin", "schwester", "bruder",
      "mutter", "vater", "sohn", "tochter", "tante", "onkel", "chirurg", "chirurgin", "therapeut", "therapeutin",
    ],
  },
};

/**
 * Capitalised words that follow a title or relation but are not names:
 * drugs, places of care, days and months, words that start a sentence.
 */
export const NOT_NAMES: ReadonlySet<string> = new Set([
  "the", "and", "but", "who", "she", "he", "they", "then", "at", "in", "on", "from", "said", "says", "told",
  "nhs", "hospital", "clinic", "centre", "center", "trust", "foundation", "cancer", "unit", "ward", "institute",
  "royal", "general", "university", "medical", "team", "practice", "surgery", "oncology", "health", "care",
  "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
  "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
  "december", "christmas", "easter",
  "tamoxifen", "letrozole", "anastrozole", "herceptin", "keytruda", "opdivo", "avastin", "revlimid", "humira",
  "metformin", "ozempic", "methotrexate", "prednisolone", "prednisone", "capecitabine", "carboplatin",
  "paclitaxel", "docetaxel", "zoladex", "lupron", "enhertu", "ibrance", "kisqali", "verzenio", "xeloda",
  "rituximab", "imatinib", "gleevec", "lenalidomide", "ondansetron", "dexamethasone", "morphine", "oxycodone",
  "lyrica", "gabapentin", "sertraline", "tylenol", "paracetamol", "ibuprofen", "insulin", "lantus", "novorapid",
  "klinik", "krankenhaus", "praxis", "hôpital", "hopital", "clinique", "centre", "chu",
]);
