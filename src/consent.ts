/**
 * Consent to the processing of health data, given under a version of the
 * community guidelines (issue 6, item 7).  Withdrawing it is one button;
 * a member whose latest consent is withdrawn, or was given to an older
 * version of the guidelines, may read but not post, reply or vote until
 * they consent again.  Accounts made by the CLI (admins) and accounts from
 * before consent was recorded have no consent record: they are marked
 * `consent_pending` and asked on their first web log-in, before anything
 * else (src/routes/web-consent.tsx), and may not post until they accept.
 */
import type { Kysely } from "kysely";
import {
  countConsentsByVersion,
  findLatestConsent,
  findLatestGuidelines,
  insertConsent,
  insertGuidelines,
  isConsentPending,
  listGuidelines,
  withdrawConsents,
} from "../db/consents.ts";
import type { Schema } from "../db/schema.ts";
import { ValidationError } from "./names.ts";

/** Version 1, shipped with Kindred; admins publish later versions (`guidelines publish`). */
export const DEFAULT_GUIDELINES = `## Community guidelines

1. **Be kind.** Everyone here lives with illness, cares for someone who does, or supports them.
2. **Share what you are comfortable with.** Posts in public groups can be read by anyone and
   reach other servers. Use a nickname; do not post other people's names or details.
3. **Peer support is not medical advice.** Talk to your care team before changing a treatment.
4. **In a crisis,** use the crisis resources shown on every group page.
5. **Moderators** may remove posts that break these guidelines or a group's rules.

### Your health data

What you write here may reveal things about your health. This instance stores it to run the
groups you join and passes your posts to the servers of the other members of those groups.
It stores no IP addresses. You can download everything of yours, withdraw this consent, or
delete your account at any time from *Settings → Your data*.
`;

export async function currentGuidelines(db: Kysely<Schema>): Promise<{ version: number; text: string }> {
  const stored = await findLatestGuidelines(db);
  return stored ? { version: stored.version, text: stored.text } : { version: 1, text: DEFAULT_GUIDELINES };
}

/** Admins: publishes a new version; every member is asked to consent again. */
export async function publishGuidelines(db: Kysely<Schema>, text: string): Promise<number> {
  if (!text.trim()) throw new ValidationError("text", "the guidelines must not be empty");
  const stored = await findLatestGuidelines(db);
  // Version 1 is the shipped text: the first stored one is version 2.
  const version = (stored?.version ?? 1) + 1;
  await insertGuidelines(db, version, text);
  return version;
}

export interface GuidelinesVersion {
  version: number;
  text: string;
  /** null for version 1, which ships with Kindred. */
  publishedAt: Date | null;
  /** Members whose consent (not withdrawn) was given to this version. */
  consents: number;
}

/** Every version, newest first, for the admins' page. */
export async function guidelinesHistory(db: Kysely<Schema>): Promise<GuidelinesVersion[]> {
  const [stored, counts] = await Promise.all([listGuidelines(db), countConsentsByVersion(db)]);
  return [
    ...stored.map((g) => ({ version: g.version, text: g.text, publishedAt: g.created_at, consents: counts.get(g.version) ?? 0 })),
    { version: 1, text: DEFAULT_GUIDELINES, publishedAt: null, consents: counts.get(1) ?? 0 },
  ];
}

/** Records consent to the current guidelines; resolves to their version. */
export async function giveConsent(db: Kysely<Schema>, accountId: number): Promise<number> {
  const { version } = await currentGuidelines(db);
  await insertConsent(db, accountId, version);
  return version;
}

export async function withdrawConsent(db: Kysely<Schema>, accountId: number): Promise<void> {
  await withdrawConsents(db, accountId);
}

/** The version the member consents to now (null: none, or withdrawn) and the current one. */
export async function consentState(db: Kysely<Schema>, accountId: number) {
  const [latest, current] = await Promise.all([findLatestConsent(db, accountId), currentGuidelines(db)]);
  return {
    recorded: latest != null,
    version: latest && !latest.withdrawn_at ? latest.guidelines_version : null,
    current: current.version,
  };
}

/**
 * Why a member may not post, reply or vote for want of current consent, or
 * null when they may (see the module comment); src/posts.ts refuses with it.
 */
export async function missingConsent(db: Kysely<Schema>, accountId: number): Promise<string | null> {
  const state = await consentState(db, accountId);
  if (!state.recorded) {
    return await isConsentPending(db, accountId)
      ? "Accept the community guidelines and consent to the processing of health data first (/consent)."
      : null;
  }
  if (state.version === state.current) return null;
  return (
    state.version == null
      ? "You withdrew your consent to the processing of health data: give it again in Settings → Your data to post."
      : `The community guidelines changed (version ${state.current}): read them and consent again in Settings → Your data to post.`
  );
}
