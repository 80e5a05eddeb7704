/**
 * Account services behind the web pages: sign-up (through createAccount),
 * profile changes, password changes, and the real-name warning.
 */
import type { Kysely } from "kysely";
import type { Account, MemberType, Schema } from "../db/schema.ts";
import { replacePasswordHash, setMemberType, updateProfile } from "../db/web-members.ts";
import { type AccountInput, createAccount, MIN_PASSWORD_LENGTH } from "./accounts.ts";
import { authenticate } from "./auth.ts";
import { renderMarkdown } from "./markdown.ts";
import { ValidationError } from "./names.ts";
import { giveConsent } from "./consent.ts";
import { hashPassword } from "./passwords.ts";

export const MEMBER_TYPES: Record<MemberType, string> = {
  patient: "Patient",
  caregiver: "Caregiver / family",
  supporter: "Supporter",
};

export function checkMemberType(value: unknown): MemberType | null {
  if (value == null || value === "") return null;
  if (typeof value === "string" && Object.hasOwn(MEMBER_TYPES, value)) return value as MemberType;
  throw new ValidationError("member type", "choose one of the member types, or none");
}

/**
 * Whether a username or display name looks like somebody's full real name:
 * "jane_smith", "jane-smith", "jane.smith", or two or three capitalised
 * words ("Jane Smith").  A hint for a warning, never a refusal.
 */
export function looksLikeRealName(username: string, displayName: string): boolean {
  const user = /^[a-z]{2,}[._-][a-z]{2,}$/i.test(username.trim());
  const display = /^\p{Lu}\p{Ll}+(?:[ -]\p{Lu}\.?\p{Ll}*)?[ ]\p{Lu}\p{Ll}+$/u.test(displayName.trim());
  return user || display;
}

export async function signUp(
  db: Kysely<Schema>,
  origin: URL,
  input: AccountInput & { memberType?: unknown; consent?: unknown; ageConfirmed?: unknown; minAge?: number },
): Promise<Account> {
  const memberType = checkMemberType(input.memberType);
  // Asked before anything is stored: no account without both.
  if (input.ageConfirmed !== true) {
    throw new ValidationError("age", `you must be at least ${input.minAge ?? 16} to join`);
  }
  if (input.consent !== true) {
    throw new ValidationError("consent", "you need to consent to the processing of health data to join");
  }
  const account = await createAccount(db, origin, { ...input, role: "member" });
  if (memberType) await setMemberType(db, account.id, memberType);
  await giveConsent(db, account.id);
  return { ...account, member_type: memberType };
}

export interface ProfileInput {
  displayName?: unknown;
  bio?: unknown;
  memberType?: unknown;
}

/** Changes display name, bio (Markdown, at most 1,000 characters) and member type. */
export async function changeProfile(db: Kysely<Schema>, account: Account, input: ProfileInput): Promise<Account> {
  const displayName = typeof input.displayName === "string" ? input.displayName.trim() : "";
  if (displayName.length < 1 || displayName.length > 100) {
    throw new ValidationError("display name", "display name must be 1 to 100 characters");
  }
  const bio = typeof input.bio === "string" ? input.bio.trim() : "";
  if (bio.length > 1000) throw new ValidationError("bio", "bio is longer than 1,000 characters");
  const memberType = checkMemberType(input.memberType);
  return await updateProfile(db, account.id, { display_name: displayName, bio, member_type: memberType },
    bio ? renderMarkdown(bio) : "");
}

/**
 * Checks the current password, stores the new one, and ends every session
 * and API token of the account (the caller starts a fresh session).
 */
export async function changePassword(
  db: Kysely<Schema>,
  account: Account,
  current: unknown,
  next: unknown,
): Promise<void> {
  if (typeof current !== "string" || !(await authenticate(db, account.username, current))) {
    throw new ValidationError("current password", "the current password is not right");
  }
  if (typeof next !== "string" || next.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError("new password", `the new password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  await replacePasswordHash(db, account.id, await hashPassword(next));
}
