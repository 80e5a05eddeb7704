/**
 * Outcome-measure instruments are data (issue 9, item 5): every file in
 * `instruments/` validates; a broken file, or two files with one id, stop
 * loading with a message naming the file and the problem; scoring follows
 * each instrument's rule (reverse items, missing items, invalid values);
 * and the suppression rule of src/outcome-stats.ts at its boundary.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { INSTRUMENTS_DIR, InstrumentError, loadInstruments, scoreAnswers, validateInstrument } from "../src/outcome-instruments.ts";
import { bandsOf, csvLine, exportablePeriods, median, summarise, SUPPRESSION_THRESHOLD } from "../src/outcome-stats.ts";

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function gse(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(new URL("general-self-efficacy.json", INSTRUMENTS_DIR), "utf8"));
}

/** A directory holding the given files. */
async function dirWith(files: Record<string, string>): Promise<URL> {
  const dir = await mkdtemp(join(tmpdir(), "kindred-instruments-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return pathToFileURL(`${dir}/`);
}

describe("the shipped instruments", () => {
  it("every file validates, and each id is used once", async () => {
    const files = (await readdir(INSTRUMENTS_DIR)).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const json = JSON.parse(await readFile(new URL(file, INSTRUMENTS_DIR), "utf8"));
      expect(() => validateInstrument(file, json), file).not.toThrow();
    }
    expect((await loadInstruments()).size).toBe(files.length);
  });

  it("the General Self-Efficacy Scale: 10 items, 1 'Not at all true' to 4 'Exactly true', scores 10 to 40, attribution and licence", async () => {
    const i = (await loadInstruments()).get("gse")!;
    expect(i.items).toHaveLength(10);
    expect(i.scale[0]).toEqual({ value: 1, label: "Not at all true" });
    expect(i.scale[3]).toEqual({ value: 4, label: "Exactly true" });
    expect([i.scoring.min, i.scoring.max]).toEqual([10, 40]);
    expect(i.attribution).toContain("Schwarzer");
    expect(i.licence.text).toMatch(/non-commercial/i);
  });
});

describe("a broken instrument file", () => {
  const cases: [string, (doc: Record<string, unknown>) => unknown, RegExp][] = [
    ["an id with capitals", (d) => ({ ...d, id: "GSE" }), /id must be lower-case/],
    ["no items", (d) => ({ ...d, items: [] }), /items must be a list of 1 to 100/],
    ["an item without text", (d) => ({ ...d, items: [{ id: "a" }] }), /items\[0\]\.text must be a non-empty text/],
    ["two items with one id", (d) => ({ ...d, items: [{ id: "a", text: "x" }, { id: "a", text: "y" }] }), /item ids must be unique/],
    ["a scale going down", (d) => ({ ...d, scale: [{ value: 2, label: "a" }, { value: 1, label: "b" }] }), /scale values must increase/],
    ["a range that does not fit the scale", (d) => ({ ...d, scoring: { ...(d.scoring as object), max: 50 } }), /scoring.min and scoring.max must be 10 and 40/],
    ["a reverse item that does not exist", (d) => ({ ...d, scoring: { ...(d.scoring as object), reverse: ["nope"] } }), /scoring.reverse\[0\] is not an item id/],
    ["minAnswered above the item count", (d) => ({ ...d, scoring: { ...(d.scoring as object), minAnswered: 11 } }), /scoring.minAnswered must be an integer from 1 to 10/],
    ["a licence URL that is not http", (d) => ({ ...d, licence: { text: "x", url: "javascript:alert(1)" } }), /licence.url must be an http\(s\) URL/],
    ["no attribution", (d) => ({ ...d, attribution: "" }), /attribution must be a non-empty text/],
  ];
  for (const [name, change, message] of cases) {
    it(`is refused when it has ${name}, naming the file`, async () => {
      const dir = await dirWith({ "broken.json": JSON.stringify(change(await gse())) });
      const error = await loadInstruments(dir).catch((e) => e);
      expect(error).toBeInstanceOf(InstrumentError);
      expect(error.message).toMatch(/^instrument broken\.json: /);
      expect(error.message).toMatch(message);
    });
  }

  it("is refused when it is not JSON, and when two files share an id", async () => {
    const bad = await loadInstruments(await dirWith({ "a.json": "{ not json" })).catch((e) => e);
    expect(bad.message).toMatch(/^instrument a\.json: not valid JSON/);
    const text = JSON.stringify(await gse());
    const twice = await loadInstruments(await dirWith({ "a.json": text, "b.json": text })).catch((e) => e);
    expect(twice.message).toBe('instrument b.json: id "gse" is already used by another file');
  });

  it("adding an instrument is adding a file", async () => {
    const doc = { ...(await gse()), id: "tiny", items: [{ id: "q1", text: "One" }, { id: "q2", text: "Two" }], scoring: { ...(await gse()).scoring as object, min: 2, max: 8, minAnswered: 2 } };
    const loaded = await loadInstruments(await dirWith({ "gse.json": JSON.stringify(await gse()), "tiny.json": JSON.stringify(doc), "notes.txt": "ignored" }));
    expect([...loaded.keys()]).toEqual(["gse", "tiny"]);
  });
});

describe("scoring", () => {
  it("sums the answers, replaces up to the allowed missing items by the mean, and refuses bad values", async () => {
    const i = (await loadInstruments()).get("gse")!;
    const all = Object.fromEntries(i.items.map((it, n) => [it.id, (n % 4) + 1]));
    const expected = i.items.reduce((sum, _, n) => sum + (n % 4) + 1, 0);
    expect(scoreAnswers(i, all).score).toBe(expected);
    // Strings from a web form count as their numbers.
    expect(scoreAnswers(i, Object.fromEntries(Object.entries(all).map(([k, v]) => [k, String(v)]))).score).toBe(expected);
    const { gse1: _a, gse2: _b, gse3: _c, ...seven } = all;
    const answered = Object.values(seven);
    const prorated = Math.round((answered.reduce((a, b) => a + b, 0) / answered.length) * 10 * 100) / 100;
    expect(scoreAnswers(i, seven)).toEqual({ score: prorated, responses: [null, null, null, ...answered] });
    const { gse4: _d, ...six } = seven;
    expect(() => scoreAnswers(i, six)).toThrow("answer at least 7 of the 10 statements (you answered 6)");
    expect(() => scoreAnswers(i, { ...all, gse2: 5 })).toThrow("statement 2: choose one of the answers offered");
    expect(() => scoreAnswers(i, { ...all, gse2: 2.5 })).toThrow("statement 2");
    expect(() => scoreAnswers(i, { ...all, other: 1 })).toThrow('"other" is not a statement of this questionnaire');
    expect(() => scoreAnswers(i, [1, 2, 3])).toThrow("answers must map");
  });

  it("scores reverse items the other way round", async () => {
    const base = await gse();
    const i = validateInstrument("r.json", { ...base, scoring: { ...base.scoring as object, reverse: ["gse1"] } });
    const answers = Object.fromEntries(i.items.map((it) => [it.id, 1]));
    expect(scoreAnswers(i, answers).score).toBe(4 + 9);
  });
});

/** Scores of members who are not the group's managers. */
const members = (scores: number[]) => scores.map((score) => ({ score, staff: false }));

describe("the suppression rule", () => {
  it("is 10, and nothing is computed from 9 scores; 10 give the mean and median", async () => {
    expect(SUPPRESSION_THRESHOLD).toBe(10);
    const i = (await loadInstruments()).get("gse")!;
    const scores = [12, 40, 33, 27.5, 19, 30, 31, 25, 38, 22];
    expect(summarise(i, members(scores.slice(0, 9)))).toEqual({ answers: 9, staffAnswers: 0, mean: null, median: null, bands: null });
    const ten = summarise(i, members(scores));
    expect(ten.mean).toBe(Math.round((scores.reduce((a, b) => a + b, 0) / 10) * 10) / 10);
    const sorted = [...scores].sort((a, b) => a - b);
    expect(ten.median).toBe(Math.round(((sorted[4] + sorted[5]) / 2) * 10) / 10);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // Every band holds fewer than 10 of these: all suppressed.
    expect(ten.bands).toEqual([null, null, null, null]);
  });

  it("suppresses small bands, and one more when a single suppressed band could be worked out from the total", async () => {
    const i = (await loadInstruments()).get("gse")!;
    expect(bandsOf(i).map((b) => b.label)).toEqual(["10 to under 17.5", "17.5 to under 25", "25 to under 32.5", "32.5 to 40"]);
    const high = Array(12).fill(36), mid = Array(10).fill(28), low = [11];
    // 1 low, 0, 10 mid, 12 high: two small bands, neither can be derived.
    expect(summarise(i, members([...high, ...mid, ...low])).bands).toEqual([null, null, 10, 12]);
    // 0 low... 12 mid-low, 10 mid, 12 high, only one small band (0 or 1): the smallest shown one goes too.
    const midLow = Array(12).fill(20);
    expect(summarise(i, members([...high, ...mid, ...midLow, ...low])).bands).toEqual([null, 12, null, 12]);
  });

  it("counts managers' answers in the figures but not towards the 10, in the period and in each band", async () => {
    const i = (await loadInstruments()).get("gse")!;
    const scores = [12, 40, 33, 27.5, 19, 30, 31, 25, 38, 22];
    // Nine members and one manager: ten answers, nothing shown.
    const nine = [...members(scores.slice(0, 9)), { score: scores[9], staff: true }];
    expect(summarise(i, nine)).toEqual({ answers: 10, staffAnswers: 1, mean: null, median: null, bands: null });
    // Ten members and one manager: shown, the manager's answer in the mean.
    const eleven = [...members(scores), { score: 36, staff: true }];
    expect(summarise(i, eleven)).toMatchObject({
      answers: 11,
      staffAnswers: 1,
      mean: Math.round(([...scores, 36].reduce((a, b) => a + b, 0) / 11) * 10) / 10,
    });
    // A band of ten that holds a manager is a band of nine members: hidden (it would be shown were the manager a member).
    const high = [...members(Array(9).fill(36)), { score: 36, staff: true }];
    const band = summarise(i, [...high, ...members(Array(10).fill(28)), ...members(Array(10).fill(20))]);
    expect(band.bands).toEqual([null, 10, 10, null]);
    expect(summarise(i, [...high, ...members([36]), ...members(Array(10).fill(28))]).bands).toEqual([null, null, 10, 11]);
  });

  it("research exports take a period only when neither it nor what it leaves over is under 10", () => {
    const research = new Map([[0, 9], [1, 10], [2, 10], [3, 10], [4, 12]].map(([p, n]) => [p, { all: n, members: n }]));
    const counted = new Map([[0, 20], [1, 10], [2, 11], [3, 19], [4, 22]].map(([p, n]) => [p, { all: n, members: n }]));
    // 0: 9 research; 1: nothing left over; 2: 1 left over; 3: 9 left over; 4: 10 left over.
    expect([...exportablePeriods(research, counted)].sort()).toEqual([1, 4]);
    // Managers' answers: ten research answers of which one a manager's is nine; a manager's
    // answer left over is known to every manager, and is no cover for a member's.
    const withStaff = new Map([[0, { all: 10, members: 9 }], [1, { all: 11, members: 10 }], [2, { all: 10, members: 10 }]]);
    const countedStaff = new Map([[0, { all: 10, members: 9 }], [1, { all: 11, members: 10 }], [2, { all: 11, members: 11 }]]);
    expect([...exportablePeriods(withStaff, countedStaff)].sort()).toEqual([1]);
    expect([...exportablePeriods(new Map([[0, { all: 10, members: 10 }]]), new Map([[0, { all: 11, members: 10 }]]))]).toEqual([0]);
  });

  it("CSV cells are quoted, and formulas are defused", () => {
    expect(csvLine(["a,b", 'say "hi"', 3, null, "=1+1"])).toBe('"a,b","say ""hi""",3,,\'=1+1\r\n');
  });
});
