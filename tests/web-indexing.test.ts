/**
 * Nothing is indexed by default; an admin may let search engines index the
 * pages of public groups (INDEX_PUBLIC_GROUPS), and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../src/accounts.ts";
import { createGroup } from "../src/groups.ts";
import { startInstance, type TestInstance } from "./helpers/instance.ts";

const robots = async (url: URL) =>
  /<meta name="robots" content="([^"]+)"/.exec(await (await fetch(url, { headers: { Accept: "text/html" } })).text())?.[1];

describe.each([
  ["by default", {}, "noindex, nofollow"],
  ["with INDEX_PUBLIC_GROUPS=true", { INDEX_PUBLIC_GROUPS: "true" }, "index, follow"],
])("search engines, %s", (_label, env, groupPages) => {
  let instance: TestInstance;
  beforeAll(async () => {
    instance = await startInstance(env);
    await createGroup(instance.kindred.database.db, instance.url, { slug: "carers", name: "Carers" });
    await createAccount(instance.kindred.database.db, instance.url, { username: "pat", password: "a long password" });
  });
  afterAll(() => instance?.stop());

  it(`group pages: ${groupPages}`, async () => {
    expect(await robots(new URL("/@carers", instance.url))).toBe(groupPages);
  });

  it("members' profiles, sign-up and the directory stay noindex", async () => {
    for (const path of ["/@pat", "/signup", "/groups"]) {
      expect(await robots(new URL(path, instance.url)), path).toBe("noindex, nofollow");
    }
  });
});
