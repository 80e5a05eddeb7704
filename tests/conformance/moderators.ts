/**
 * Making a stub actor a moderator of a scenario's Kindred group, as if the
 * group's owner had appointed them: the actor's copy is stored (fetched
 * from its stub) and listed in the group's staff.
 */
import { addGroupStaff } from "../../db/groups.ts";
import { resolveActor } from "../../federation/remote-actors.ts";
import type { Scenario } from "./harness.ts";

export async function makeModerator(scenario: Scenario, original: string): Promise<void> {
  const kindred = scenario.harness.instance.kindred;
  const uri = scenario.uri(original);
  scenario.stubs.referenceActor(uri, "Person");
  const ctx = kindred.federation.createContext(new URL(scenario.group), kindred.contextData);
  const actor = await resolveActor(ctx, new URL(uri));
  const db = kindred.database.db;
  const group = await db.selectFrom("actors").select("id").where("uri", "=", scenario.group).executeTakeFirstOrThrow();
  await addGroupStaff(db, group.id, actor.id, "moderator");
}
