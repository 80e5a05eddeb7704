/**
 * Consent and age at sign-up (issue 6, item 7): both are required, the
 * consent is recorded with the guidelines version, withdrawing it is one
 * button and stops posting, and a new guidelines version asks again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalGroup } from "./helpers/federation.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";
import { WebClient } from "./helpers/web.ts";
import { publishGuidelines } from "../src/consent.ts";

let instance: TestInstance;
const db = () => instance.kindred.database.db;

beforeAll(async () => {
  instance = await startInstance({ MIN_AGE: "18" });
  await createLocalGroup(instance, { slug: "lupus", name: "Lupus", description: "Peer support." });
}, 120_000);
afterAll(async () => {
  await instance?.stop();
});

async function accountNamed(username: string) {
  return await db().selectFrom("accounts").selectAll().where("username", "=", username).executeTakeFirst();
}

describe("signing up", () => {
  it("asks for the configured minimum age and refuses without the confirmation", async () => {
    const web = new WebClient(instance);
    const form = await web.get("/signup");
    expect(form.html).toContain("I am at least 18 years old");
    const page = await web.signUp("young", "young", { age: "" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("at least 18");
    expect(await accountNamed("young")).toBeUndefined();
  });

  it("refuses without consent to the processing of health data", async () => {
    const page = await new WebClient(instance).signUp("noconsent", "noconsent", { consent: "" });
    expect(page.status).toBe(422);
    expect(page.html).toContain("consent to the processing of health data");
    expect(await accountNamed("noconsent")).toBeUndefined();
  });

  it("records the consent with the guidelines version and time; no birth date", async () => {
    const before = Date.now();
    await new WebClient(instance).signUp("lee");
    const account = (await accountNamed("lee"))!;
    const consents = await db().selectFrom("consents").selectAll().where("account_id", "=", account.id).execute();
    expect(consents).toHaveLength(1);
    expect(consents[0].guidelines_version).toBe(1);
    expect(consents[0].given_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(consents[0].withdrawn_at).toBeNull();
    expect(Object.keys(account).some((k) => /birth|age$/.test(k))).toBe(false);
  });

  it("shows the guidelines", async () => {
    const page = await new WebClient(instance).get("/guidelines");
    expect(page.status).toBe(200);
    expect(page.html).toContain("Version 1");
    expect(page.html).toContain("Your health data");
  });
});

describe("withdrawing and giving consent again", () => {
  let web: WebClient;

  let groupId: number;

  async function post(title: string) {
    return await web.submit(`/g/${groupId}/new`, `/g/${groupId}/new`, { title, body: "My rash came back this week." });
  }

  beforeAll(async () => {
    web = new WebClient(instance);
    await web.signUp("kai");
    const group = await web.get("/@lupus");
    groupId = Number(/action="\/g\/(\d+)\/join"/.exec(group.html)![1]);
    await web.post(`/g/${groupId}/join`, {}, group.html);
  });

  it("posts with consent", async () => {
    const page = await post("Flare");
    expect(page.status).toBeLessThan(400);
    expect(await db().selectFrom("posts").select("id").where("title", "=", "Flare").executeTakeFirst()).toBeDefined();
  });

  it("withdraws with one button, explained, and then cannot post", async () => {
    const settings = await web.get("/settings/data");
    expect(settings.html).toContain("you can no longer post");
    const page = await web.submit("/settings/data", "/settings/data/consent/withdraw", {});
    expect(page.html).toContain("Your consent is withdrawn");
    const account = (await accountNamed("kai"))!;
    const consent = await db().selectFrom("consents").selectAll().where("account_id", "=", account.id).executeTakeFirstOrThrow();
    expect(consent.withdrawn_at).not.toBeNull();
    const refused = await post("Second flare");
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("withdrew your consent");
    expect(await db().selectFrom("posts").select("id").where("title", "=", "Second flare").executeTakeFirst()).toBeUndefined();
  });

  it("consents again, then asks again after a new guidelines version", async () => {
    await web.submit("/settings/data", "/settings/data/consent", { consent: "yes" });
    expect((await post("Third")).status).toBeLessThan(400);
    expect(await publishGuidelines(db(), "## Guidelines, version 2\n\nBe kind.")).toBe(2);
    const refused = await post("Fourth");
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("version 2");
    const settings = await web.get("/settings/data");
    expect(settings.html).toContain("the guidelines have changed");
    await web.submit("/settings/data", "/settings/data/consent", { consent: "yes" });
    expect((await post("Fifth")).status).toBeLessThan(400);
    const account = (await accountNamed("kai"))!;
    const versions = await db().selectFrom("consents").select("guidelines_version").where("account_id", "=", account.id)
      .orderBy("id").execute();
    expect(versions.map((v) => v.guidelines_version)).toEqual([1, 1, 2]);
  });
});
