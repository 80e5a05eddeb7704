/**
 * The instance's crisis resources, edited by admins and shown at once to a
 * member whose post matches crisis language (and on /help/crisis).
 */
import type { Kysely } from "kysely";
import { addCrisisResource, type CrisisResource, deleteCrisisResource, listCrisisResources } from "../db/crisis.ts";
import type { Account, Schema } from "../db/schema.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";

export interface ResourceView {
  name: string;
  contact: string;
  description: string;
  language: string;
}

/**
 * Shown until an admin adds the instance's own helplines: it names no
 * number that could be wrong for the reader's country.
 */
export const FALLBACK_RESOURCES: readonly ResourceView[] = [{
  name: "Emergency services",
  contact: "Call your local emergency number (for example 112 in Europe, 911 in North America, 999 in the UK)",
  description: "If you or someone else is in immediate danger, or you may act on thoughts of ending your life.",
  language: "en",
}, {
  name: "Someone you trust",
  contact: "A family member, a friend, your doctor or your care team",
  description: "Tell someone how you feel today. You do not have to go through this alone.",
  language: "en",
}];

export async function crisisResources(db: Kysely<Schema>): Promise<ResourceView[]> {
  const rows = await listCrisisResources(db);
  return rows.length > 0 ? rows : [...FALLBACK_RESOURCES];
}

function requireAdmin(account: Account): void {
  if (account.role !== "admin") throw new ForbiddenError("only instance administrators may change crisis resources");
}

function text(value: unknown, field: string, max: number, required = true): string {
  if (value == null || value === "") {
    if (required) throw new ValidationError(field, `${field} is required`);
    return "";
  }
  if (typeof value !== "string" || value.trim().length > max) {
    throw new ValidationError(field, `${field} must be text of at most ${max} characters`);
  }
  return value.trim();
}

export async function addResource(db: Kysely<Schema>, account: Account, input: Record<string, unknown>): Promise<CrisisResource> {
  requireAdmin(account);
  const language = text(input.language ?? "en", "language", 10);
  if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) {
    throw new ValidationError("language", "language must be a language code such as en, fr or de-CH");
  }
  const position = input.position == null || input.position === "" ? 0 : Number(input.position);
  if (!Number.isInteger(position) || position < 0 || position > 1000) {
    throw new ValidationError("position", "position must be a whole number from 0 to 1000");
  }
  return await addCrisisResource(db, {
    language,
    name: text(input.name, "name", 200),
    contact: text(input.contact, "contact", 500),
    description: text(input.description, "description", 1000, false),
    position,
  });
}

export async function removeResource(db: Kysely<Schema>, account: Account, id: number): Promise<void> {
  requireAdmin(account);
  if (!(await deleteCrisisResource(db, id))) throw new ValidationError("resource", "no such resource");
}

export type { CrisisResource };
