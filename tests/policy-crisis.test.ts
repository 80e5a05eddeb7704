/**
 * Crisis language detection (policy/crisis.ts) on realistic posts from
 * cancer, chronic-illness and rare-disease support groups: every crisis post
 * must be detected and no ordinary post may raise an alarm.  The counts are
 * printed so that a rule change shows its effect at a glance.
 */
import { describe, expect, it } from "vitest";
import { type CrisisRuleFile, compileRuleFile, crisisRuleFiles, detectCrisis } from "../policy/crisis.ts";

const english = {
  crisis: [
    "Six years of this disease and the pain never stops. I want to end my life and I don't know who to tell.",
    "I don't want to be here anymore. Everyone keeps telling me to stay positive but I am so tired.",
    "I've been thinking about killing myself since the scan results. I haven't told my wife.",
    "Honestly I have saved up my pills. I've got enough now. I just wanted someone to know.",
    "The surgeon says there's nothing more they can do for the pain. There's no point going on.",
    "My kids are grown and my husband does everything for me now. Everyone would be better off without me.",
    "I've started cutting again after two years clean. The flare up and losing my job was too much.",
    "I can't do this anymore, I'm going to take all my tablets tonight.",
    "Since the diagnosis I've felt so alone. I feel suicidal most evenings and I don't know what to do.",
    "I'm having suicidal thoughts again. The new meds aren't helping and my GP appointment is in 3 weeks.",
    "I just want to die. Every day is the same, pain, sickness, hospital.",
    "Some nights I wish I was dead. Is that normal with chronic pain?",
    "I go to bed hoping I don't wake up tomorrow. Then I do and it starts again.",
    "There is no reason to live anymore. My partner left, my body is failing.",
    "I'm tired of living like this. Twelve years of fatigue and nobody believes me.",
    "I think my family would be better off if I was gone. I cost them so much.",
    "Last night I burned myself on purpose. I know it's stupid. I'm sorry.",
    "I keep getting the urge to hurt myself when the itching gets this bad.",
    "How many of my morphine tablets would it take to kill me? Asking for real.",
    "I've written a goodbye letter to my daughter. I'm not sure why I'm posting this.",
    "I'm planning to overdose this weekend when my husband is away.",
    "I have a plan to end it. I just need to be sure the kids are at their dad's.",
    "Thinking of ending it all. Doesn't feel like there's anything left after the relapse.",
    "I don’t want to be alive any more. Sorry to bring the mood down in here.",
    "Been thinking about suicide a lot lately. The disability assessment was the last straw.",
    "I've relapsed into self-harm after the transplant was cancelled.",
    "Sometimes I think about jumping off the bridge on my way back from dialysis.",
    "I've got nothing left to live for since mum died and now this diagnosis.",
  ],
  ordinary: [
    "Great news from the oncologist: the chemo is killing the cancer cells and the tumour has shrunk by 40%.",
    "Honestly this chemo is killing me. Cycle four of six, nausea is brutal, but I'm hanging in there!",
    "I've been thinking about suicide gene therapy since my consultant mentioned the glioblastoma trial. Has anyone here been on it?",
    "The side effects list is so absurd I want to die laughing. Apparently my toenails may turn blue.",
    "Our hospice is running a suicide prevention walk in September, the details are on the noticeboard.",
    "I read a study about suicide rates among caregivers of dementia patients. It made me feel seen.",
    "I'm dying to know if anyone has tried the new CGM sensor, my insurance finally approved it.",
    "Dead tired after the infusion today but the nurses were lovely and my bloods look good.",
    "My father died last year of the same condition, so the genetic test results hit hard.",
    "We got the terminal diagnosis on Tuesday. We're focusing on end of life care and making memories.",
    "Mum moved to palliative care this week. The team has been wonderful with her pain.",
    "Dad has signed a DNR. He said he doesn't want to be resuscitated and we respect that.",
    "Interesting piece on the assisted dying law debate in parliament. What do people here think?",
    "I'm scared. I don't want to die, I have two little boys. The surgery is on Friday.",
    "When the time comes I want to die at home, not on a ward. We've told the palliative nurse.",
    "I wish I was dead tired instead of wired from the prednisone, it's 3am again.",
    "There's no point going on about the waiting list, the hospital won't move me up anyway.",
    "I've been stockpiling my meds because of the shortage, is everyone else doing that?",
    "I take all my tablets with breakfast now, it's easier than remembering three times a day.",
    "My pharmacist says I'm going to take all my tablets with food from now on, to spare my stomach.",
    "I've been thinking about suicide prevention training for our group leaders, any recommendations?",
    "I hope I don't wake up during the operation, that's my biggest fear with anaesthesia.",
    "The leaflet lists suicidal thoughts as a rare side effect of montelukast. Has anyone had mood changes?",
    "My uncle committed suicide when I was twelve, and the anniversary always hits hard.",
    "I cut myself shaving and with the blood thinners it wouldn't stop bleeding for an hour.",
    "I hurt myself lifting him out of the bath yesterday, my back is in bits. Caregiving is hard.",
    "I can't do this anymore on my own, so I've asked social services for respite care.",
    "The nurse said the medication triggers cell suicide in the leukaemia cells, which is apoptosis.",
    "Kill me now, the waiting room has been playing the same song for two hours.",
    "The pain made me want to die last night, but the new patch is working and I slept.",
    "I'm not ready to die and I told the doctor I want every treatment available.",
    "I just want the end of my life to be peaceful and with my family around me.",
  ],
};

const french = {
  crisis: [
    "Depuis la rechute je n'y arrive plus. Je veux mourir, je ne le dis à personne.",
    "J'ai envie d'en finir. Les douleurs ne s'arrêtent jamais et je suis seule.",
    "Je pense à me suicider depuis l'annonce du diagnostic.",
    "Je n'ai plus envie de vivre, tout est devenu trop lourd.",
    "Ma famille serait mieux sans moi, je ne suis qu'un poids pour eux.",
    "J'ai recommencé à me scarifier après l'hospitalisation.",
    "Ce soir je vais avaler tous mes cachets, je n'en peux plus.",
  ],
  ordinary: [
    "Cette chimio va me tuer ! Plus que deux séances, courage à tous.",
    "J'ai hâte d'en finir avec la chimio, dernière séance jeudi !",
    "Je veux en finir avec ces examens à répétition, trois IRM en un mois.",
    "Je ne veux pas mourir, j'ai trois enfants. L'opération est mardi.",
    "Le débat sur l'aide à mourir à l'Assemblée m'intéresse beaucoup.",
    "La prévention du suicide chez les aidants est un vrai sujet, j'ai lu un article.",
    "J'ai failli mourir de rire quand l'infirmière a vu mon chat dans le sac.",
    "Mon père est mort l'an dernier de la même maladie, le dépistage me fait peur.",
    "Quand le moment viendra, je veux mourir à la maison, entourée de ma famille.",
  ],
};

const german = {
  crisis: [
    "Seit der Diagnose ist alles schwarz. Ich will nicht mehr leben.",
    "Manchmal denke ich daran, mich umzubringen. Ich habe es noch niemandem gesagt.",
    "Ich möchte einfach nur sterben, die Schmerzen hören nie auf.",
    "Meine Familie wäre ohne mich viel besser dran, ich bin nur eine Last.",
    "Ich habe wieder angefangen, mich zu ritzen, nach der Reha ist alles schlimmer.",
    "Ich habe Schlaftabletten gehortet. Heute Nacht nehme ich alle auf einmal.",
    "Ich habe Suizidgedanken und weiß nicht, mit wem ich reden soll.",
  ],
  ordinary: [
    "Die Chemo bringt mich um, aber nur noch zwei Zyklen!",
    "Ich will nicht sterben, ich habe zwei kleine Kinder.",
    "Ich möchte zu Hause sterben, nicht im Krankenhaus. Das Palliativteam hilft uns.",
    "Interessanter Artikel über assistierten Suizid und die Debatte im Bundestag.",
    "Ich kann nicht mehr, ich brauche dringend eine Pause von der Pflege meiner Mutter.",
    "Ich muss alle meine Tabletten morgens nehmen, das sind inzwischen zwölf.",
    "Ich bin todmüde nach der Infusion, aber die Blutwerte sind gut.",
  ],
};

function score(name: string, set: { crisis: string[]; ordinary: string[] }, language?: string) {
  const missed = set.crisis.filter((text) => detectCrisis(text, language) === null);
  const falseAlarms = set.ordinary
    .map((text) => ({ text, match: detectCrisis(text, language) }))
    .filter(({ match }) => match !== null)
    .map(({ text, match }) => `${text} => ${match!.ruleId}: ${match!.phrases.join(", ")}`);
  console.log(
    `crisis rules, ${name}: detected ${set.crisis.length - missed.length}/${set.crisis.length}, ` +
      `false alarms ${falseAlarms.length}/${set.ordinary.length}`,
  );
  return { missed, falseAlarms };
}

describe("detectCrisis on realistic posts", () => {
  for (const [name, set, language] of [
    ["en", english, "en"],
    ["fr", french, "fr"],
    ["de", german, "de"],
  ] as const) {
    it(`${name}: detects every crisis post and raises no false alarm`, () => {
      expect(set.crisis.length).toBeGreaterThanOrEqual(name === "en" ? 25 : 6);
      expect(set.ordinary.length).toBeGreaterThanOrEqual(name === "en" ? 25 : 6);
      expect(score(name, set, language)).toEqual({ missed: [], falseAlarms: [] });
    });
  }

  it("does the same without a declared language, and with a wrong one", () => {
    const all = {
      crisis: [...english.crisis, ...french.crisis, ...german.crisis],
      ordinary: [...english.ordinary, ...french.ordinary, ...german.ordinary],
    };
    expect(score("all, no language", all)).toEqual({ missed: [], falseAlarms: [] });
    expect(score("all, declared en", all, "en")).toEqual({ missed: [], falseAlarms: [] });
  });

  it("exercises every rule of every file with at least one crisis post", () => {
    const hit = new Set(
      [...english.crisis, ...french.crisis, ...german.crisis]
        .flatMap((text) => detectCrisis(text)?.hits ?? [])
        .map((h) => h.ruleId),
    );
    const untested = Object.values(crisisRuleFiles).flatMap((file) => file.rules.map((r) => r.id))
      .filter((id) => !hit.has(id));
    expect(untested).toEqual([]);
  });
});

describe("detectCrisis results", () => {
  it("names the rule, category, severity, language and matched words", () => {
    const match = detectCrisis("I can't do this anymore, I'm going to take all my tablets tonight.");
    expect(match).toMatchObject({
      ruleId: "en-overdose-plan",
      category: "intent-plan",
      severity: "critical",
      language: "en",
      phrases: ["going to take all my tablets"],
    });
    expect(detectCrisis("I've started cutting again.")).toMatchObject({ category: "self-harm", severity: "high" });
    expect(detectCrisis("Je veux mourir.", "fr-CA")).toMatchObject({ language: "fr", ruleId: "fr-vouloir-mourir" });
  });

  it("puts a plan first when a post matches several rules", () => {
    const match = detectCrisis("I want to die. I have saved up my pills.")!;
    expect(match.category).toBe("intent-plan");
    expect(match.hits.map((h) => h.ruleId).sort()).toEqual(["en-overdose-plan", "en-want-to-die"]);
  });

  it("folds case, accents, curly apostrophes, full-width letters, invisible characters and line breaks", () => {
    for (const text of [
      "I DON’T WANT TO BE HERE ANYMORE",
      "i dont want to be here anymore",
      "Ｉ want to end my life",
      "I want to end\n my   life",
      "I want to **end my life**",
      "I want to e\u200Bnd my life",
      "J’ai envie d’en finir",
      "JE VEUX MOURIR",
      "ich moechte einfach nur sterben",
      "ICH MÖCHTE EINFACH NUR STERBEN",
    ]) expect(detectCrisis(text), text).not.toBeNull();
  });

  it("matches whole words, within one sentence", () => {
    expect(detectCrisis("Our skill myself-assessment form")).toBeNull();
    expect(detectCrisis("I want to. Die Hard is on TV tonight.")).toBeNull();
    expect(detectCrisis("I want.\n\nTo end my life is what I want.")).not.toBeNull();
  });

  it("still detects a crisis in a post that also contains an exclusion", () => {
    const text = "I used to volunteer for suicide prevention. Now I'm the one who wants to die. I want to die.";
    expect(detectCrisis(text)?.ruleId).toBe("en-want-to-die");
  });

  it("handles long posts quickly", () => {
    const long = english.ordinary.join(" ").repeat(50);
    const started = performance.now();
    expect(detectCrisis(long)).toBeNull();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("crisis rule files", () => {
  it("each rule has an id, a known category, a note and patterns that compile", () => {
    for (const file of Object.values(crisisRuleFiles)) {
      expect(() => compileRuleFile(file)).not.toThrow();
      for (const rule of [...file.rules, ...file.exclusions]) {
        expect(rule.note.length, rule.id).toBeGreaterThan(10);
        expect(rule.id.startsWith(`${file.language}-`), rule.id).toBe(true);
      }
    }
  });

  it("reports a broken rule by its id", () => {
    const broken = (patterns: string[], category = "self-harm"): CrisisRuleFile => ({
      language: "xx",
      rules: [{ id: "xx-broken", category, note: "test", patterns }],
      exclusions: [],
    });
    expect(() => compileRuleFile(broken(["want {to die"]))).toThrow(/xx-broken: unclosed/);
    expect(() => compileRuleFile(broken(["... alone"]))).toThrow(/xx-broken/);
    expect(() => compileRuleFile(broken(["(a+)+$"]))).toThrow(/not a word/);
    expect(() => compileRuleFile(broken(["fine"], "sadness"))).toThrow(/unknown category/);
  });
});
