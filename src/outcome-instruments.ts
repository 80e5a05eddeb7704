/**
 * Outcome-measure instruments (issue 9, item 5) are data: one JSON file per
 * instrument in `instruments/`, checked against the shape below when the
 * server starts (a broken file stops start-up with a message naming the file
 * and the field).  Adding an instrument is adding a file, once its licence
 * allows it.  Scoring lives here too, so that every answer is scored by the
 * same rule as its instrument states.
 */
import { readdir, readFile } from "node:fs/promises";
import { ValidationError } from "./names.ts";

export interface ScalePoint {
  value: number;
  label: string;
}

export interface Instrument {
  id: string;
  version: string;
  title: string;
  description: string;
  instructions: string;
  attribution: string;
  licence: { text: string; url: string };
  scale: ScalePoint[];
  items: { id: string; text: string }[];
  scoring: {
    /** "sum" of the item values, or their "mean". */
    method: "sum" | "mean";
    min: number;
    max: number;
    /** Items scored the other way round (value becomes lowest + highest − value). */
    reverse: string[];
    /** Fewest answered items for a valid score; missing ones count as the mean of the others. */
    minAnswered: number;
    higherIsBetter: boolean;
    note: string;
  };
}

/** The instruments found at start-up, by id. */
export type Instruments = ReadonlyMap<string, Instrument>;

/** A broken instrument file: names the file and what is wrong. */
export class InstrumentError extends Error {
  constructor(file: string, problem: string) {
    super(`instrument ${file}: ${problem}`);
    this.name = "InstrumentError";
  }
}

export const INSTRUMENTS_DIR = new URL("../instruments/", import.meta.url);

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

function text(file: string, value: unknown, field: string, max = 2000): string {
  if (typeof value !== "string" || value.trim() === "") throw new InstrumentError(file, `${field} must be a non-empty text`);
  if (value.length > max) throw new InstrumentError(file, `${field} is longer than ${max} characters`);
  return value.trim();
}

function record(file: string, value: unknown, field: string): Record<string, unknown> {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new InstrumentError(file, `${field} must be an object`);
  return value as Record<string, unknown>;
}

function list(file: string, value: unknown, field: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value) || value.length < min || value.length > max) {
    throw new InstrumentError(file, `${field} must be a list of ${min} to ${max} entries`);
  }
  return value;
}

/**
 * Checks one instrument document; returns it typed, or throws
 * InstrumentError naming `file` and the first problem found.
 */
export function validateInstrument(file: string, json: unknown): Instrument {
  const doc = record(file, json, "the document");
  const id = doc.id;
  if (typeof id !== "string" || !ID.test(id)) throw new InstrumentError(file, "id must be lower-case letters, digits and hyphens (at most 40)");
  const licence = record(file, doc.licence, "licence");
  const licenceUrl = text(file, licence.url, "licence.url", 500);
  if (!URL.canParse(licenceUrl) || !/^https?:$/.test(new URL(licenceUrl).protocol)) {
    throw new InstrumentError(file, "licence.url must be an http(s) URL");
  }
  const scale = list(file, doc.scale, "scale", 2, 11).map((p, i) => {
    const point = record(file, p, `scale[${i}]`);
    if (!Number.isInteger(point.value)) throw new InstrumentError(file, `scale[${i}].value must be an integer`);
    return { value: point.value as number, label: text(file, point.label, `scale[${i}].label`, 100) };
  });
  const values = scale.map((p) => p.value);
  if (values.some((v, i) => i > 0 && v <= values[i - 1])) throw new InstrumentError(file, "scale values must increase");
  const items = list(file, doc.items, "items", 1, 100).map((it, i) => {
    const item = record(file, it, `items[${i}]`);
    if (typeof item.id !== "string" || !ID.test(item.id)) throw new InstrumentError(file, `items[${i}].id must be lower-case letters, digits and hyphens`);
    return { id: item.id, text: text(file, item.text, `items[${i}].text`, 500) };
  });
  const ids = new Set(items.map((i) => i.id));
  if (ids.size !== items.length) throw new InstrumentError(file, "item ids must be unique");
  const scoring = record(file, doc.scoring, "scoring");
  if (scoring.method !== "sum" && scoring.method !== "mean") throw new InstrumentError(file, 'scoring.method must be "sum" or "mean"');
  const reverse = list(file, scoring.reverse ?? [], "scoring.reverse", 0, items.length).map((r, i) => {
    if (typeof r !== "string" || !ids.has(r)) throw new InstrumentError(file, `scoring.reverse[${i}] is not an item id`);
    return r;
  });
  const minAnswered = scoring.minAnswered;
  if (!Number.isInteger(minAnswered) || (minAnswered as number) < 1 || (minAnswered as number) > items.length) {
    throw new InstrumentError(file, `scoring.minAnswered must be an integer from 1 to ${items.length}`);
  }
  const lowest = values[0], highest = values[values.length - 1];
  const expected = scoring.method === "sum" ? [lowest * items.length, highest * items.length] : [lowest, highest];
  if (scoring.min !== expected[0] || scoring.max !== expected[1]) {
    throw new InstrumentError(file, `scoring.min and scoring.max must be ${expected[0]} and ${expected[1]} (the ${scoring.method} of the scale over ${items.length} items)`);
  }
  if (typeof scoring.higherIsBetter !== "boolean") throw new InstrumentError(file, "scoring.higherIsBetter must be true or false");
  return {
    id,
    version: text(file, doc.version, "version", 40),
    title: text(file, doc.title, "title", 200),
    description: text(file, doc.description, "description"),
    instructions: text(file, doc.instructions, "instructions"),
    attribution: text(file, doc.attribution, "attribution"),
    licence: { text: text(file, licence.text, "licence.text"), url: licenceUrl },
    scale,
    items,
    scoring: {
      method: scoring.method,
      min: expected[0],
      max: expected[1],
      reverse,
      minAnswered: minAnswered as number,
      higherIsBetter: scoring.higherIsBetter,
      note: text(file, scoring.note, "scoring.note"),
    },
  };
}

/**
 * Reads and checks every `*.json` file of `dir`; throws InstrumentError on
 * the first broken file or a duplicate id.
 */
export async function loadInstruments(dir: URL = INSTRUMENTS_DIR): Promise<Instruments> {
  const found = new Map<string, Instrument>();
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(new URL(file, dir), "utf8"));
    } catch (error) {
      throw new InstrumentError(file, `not valid JSON (${(error as Error).message})`);
    }
    const instrument = validateInstrument(file, json);
    if (found.has(instrument.id)) throw new InstrumentError(file, `id "${instrument.id}" is already used by another file`);
    found.set(instrument.id, instrument);
  }
  return found;
}

/**
 * Scores a member's answers: `input` maps item ids to scale values (or is
 * missing / empty for an item left out).  Throws ValidationError naming the
 * first bad item, or when fewer than `minAnswered` items were answered.
 */
export function scoreAnswers(instrument: Instrument, input: unknown): { responses: (number | null)[]; score: number } {
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    throw new ValidationError("answers", "answers must map each statement's id to a value of the scale");
  }
  const given = input as Record<string, unknown>;
  const known = new Set(instrument.items.map((i) => i.id));
  const unknown = Object.keys(given).find((k) => !known.has(k));
  if (unknown) throw new ValidationError("answers", `"${unknown}" is not a statement of this questionnaire`);
  const allowed = new Set(instrument.scale.map((p) => p.value));
  const lowest = instrument.scale[0].value, highest = instrument.scale[instrument.scale.length - 1].value;
  const responses = instrument.items.map((item, n) => {
    const raw = given[item.id];
    if (raw === undefined || raw === null || raw === "") return null;
    const value = typeof raw === "string" && /^-?\d+$/.test(raw) ? Number(raw) : raw;
    if (typeof value !== "number" || !allowed.has(value)) {
      throw new ValidationError(item.id, `statement ${n + 1}: choose one of the answers offered`);
    }
    return value;
  });
  const answered = responses.filter((v): v is number => v != null);
  if (answered.length < instrument.scoring.minAnswered) {
    throw new ValidationError(
      "answers",
      `answer at least ${instrument.scoring.minAnswered} of the ${instrument.items.length} statements (you answered ${answered.length})`,
    );
  }
  const scored = instrument.items.flatMap((item, n) => {
    const v = responses[n];
    if (v == null) return [];
    return [instrument.scoring.reverse.includes(item.id) ? lowest + highest - v : v];
  });
  const mean = scored.reduce((a, b) => a + b, 0) / scored.length;
  const raw = instrument.scoring.method === "sum" ? mean * instrument.items.length : mean;
  return { responses, score: Math.round(raw * 100) / 100 };
}
