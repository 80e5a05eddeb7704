/**
 * The instance federation policy as admins change it (CLI, API, the
 * /admin/federation page): the mode and per-domain rules.  Every change
 * drops this process's cached copy; other processes see it within
 * POLICY_TTL_MS (federation/instance-policy.ts).
 */
import type { Kysely } from "kysely";
import {
  addDomainRule,
  listDomainRules,
  readFederationMode,
  removeDomainRules,
  type StoredRule,
  writeFederationMode,
} from "../db/federation-policy.ts";
import type { Account, Schema } from "../db/schema.ts";
import { invalidatePolicy } from "../federation/instance-policy.ts";
import {
  DOMAIN_ACTIONS,
  type DomainAction,
  FEDERATION_MODES,
  type FederationMode,
  normalizeDomain,
} from "../policy/federation-rules.ts";
import { ValidationError } from "./names.ts";
import { ForbiddenError } from "./posts.ts";

export interface FederationPolicyView {
  mode: FederationMode;
  rules: StoredRule[];
}

/** `by` null: the operator at the CLI; otherwise an admin account. */
function checkAdmin(by: Account | null): void {
  if (by != null && by.role !== "admin") throw new ForbiddenError("instance admins only");
}

export function checkMode(mode: unknown): FederationMode {
  if (typeof mode === "string" && (FEDERATION_MODES as readonly string[]).includes(mode)) return mode as FederationMode;
  throw new ValidationError("mode", `mode must be one of ${FEDERATION_MODES.join(", ")}`);
}

export function checkAction(action: unknown): DomainAction {
  const text = typeof action === "string" ? action.replace(/-/g, "_") : "";
  if ((DOMAIN_ACTIONS as readonly string[]).includes(text)) return text as DomainAction;
  throw new ValidationError("action", `action must be one of ${DOMAIN_ACTIONS.join(", ")}`);
}

export function checkDomain(domain: unknown): string {
  const normalized = typeof domain === "string" ? normalizeDomain(domain) : null;
  if (!normalized) throw new ValidationError("domain", `"${String(domain ?? "")}" is not a domain (host or host:port)`);
  return normalized;
}

function checkReason(reason: unknown): string {
  const text = typeof reason === "string" ? reason.trim() : "";
  if (text.length > 500) throw new ValidationError("reason", "reason is longer than 500 characters");
  return text;
}

export async function readFederationPolicy(db: Kysely<Schema>): Promise<FederationPolicyView> {
  return { mode: await readFederationMode(db), rules: await listDomainRules(db) };
}

export async function setFederationMode(db: Kysely<Schema>, by: Account | null, mode: unknown): Promise<FederationMode> {
  checkAdmin(by);
  const checked = checkMode(mode);
  await writeFederationMode(db, checked);
  invalidatePolicy(db);
  return checked;
}

/** Adds a rule for a domain; returns the normalised domain and action. */
export async function setDomainRule(
  db: Kysely<Schema>,
  by: Account | null,
  domain: unknown,
  action: unknown,
  reason?: unknown,
): Promise<{ domain: string; action: DomainAction }> {
  checkAdmin(by);
  const checked = { domain: checkDomain(domain), action: checkAction(action) };
  await addDomainRule(db, checked.domain, checked.action, checkReason(reason));
  invalidatePolicy(db);
  return checked;
}

/** Removes every rule of a domain; returns how many there were. */
export async function removeDomain(db: Kysely<Schema>, by: Account | null, domain: unknown): Promise<number> {
  checkAdmin(by);
  const removed = await removeDomainRules(db, checkDomain(domain));
  invalidatePolicy(db);
  return removed;
}
