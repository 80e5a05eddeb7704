/**
 * Sending an activity whose type Fedify's vocabulary lacks (Lemmy's
 * `Resolve`).  Fedify compacts what it sends through its own classes, which
 * would turn an unknown type into `Activity`; so the activity is a one-off
 * subclass of `Activity` that serialises as the JSON we give it, and it is
 * signed with the sender's RSA key only: HTTP Signatures and, when the JSON
 * allows, a Linked Data signature, but no Object Integrity Proof (a proof is
 * made over Fedify's own serialisation).  Receiving works the other way
 * round: Fedify parses an unknown type as a plain `Activity`, whose
 * `toJsonLd()` is the JSON as received (see federation/inbox/untyped.ts).
 */
import type { Context, SenderKeyPair } from "@fedify/fedify";
import { Activity } from "@fedify/vocab";
import type { Actor } from "../db/schema.ts";
import type { ContextData } from "./context.ts";
import { recipientOf } from "./delivery.ts";
import { getKeyPairs, keyOwner } from "./keys.ts";

export type RawActivityJson = Record<string, unknown> & { id: string; type: string; actor: string };

/** An `Activity` that Fedify sends as `json`, unchanged. */
export function rawActivity(json: RawActivityJson): Activity {
  const Raw = class extends Activity {
    // deno-lint-ignore require-await
    override async toJsonLd(): Promise<unknown> {
      return structuredClone(json);
    }
  };
  return new Raw({ id: new URL(json.id), actor: new URL(json.actor) });
}

/** Sends `json` from a local member or group to remote actors (their shared inboxes). */
export async function sendRaw(ctx: Context<ContextData>, sender: Actor, recipients: Actor[], json: RawActivityJson) {
  const remote = recipients.filter((r) => !r.local && r.inbox_url);
  if (remote.length === 0) return;
  const owner = sender.group_id != null ? keyOwner.group(sender.group_id) : keyOwner.account(sender.account_id!);
  const [rsa] = await getKeyPairs(ctx.data.db, owner);
  const key: SenderKeyPair = { keyId: new URL(`${sender.uri}#main-key`), privateKey: rsa.privateKey };
  await ctx.sendActivity([key], remote.map(recipientOf), rawActivity(json), {
    preferSharedInbox: true,
    excludeBaseUris: [new URL(ctx.origin)],
  });
}

/** The type of a received activity as its sender wrote it (Fedify parses unknown types as `Activity`). */
export async function rawType(activity: Activity): Promise<string | undefined> {
  const json = await activity.toJsonLd() as { type?: unknown };
  const type = Array.isArray(json?.type) ? json.type[0] : json?.type;
  return typeof type === "string" ? type.replace(/^.*[#/:]/, "") : undefined;
}
