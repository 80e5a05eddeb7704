/**
 * A member's choices about notification emails: validated here for the web
 * form and the API alike; bad input changes nothing.
 */
import type { Kysely } from "kysely";
import { choicesOf, type EmailChoices, findEmailSettings, saveEmailSettings } from "../db/email-settings.ts";
import type { Account, EmailFrequency, Schema } from "../db/schema.ts";
import { ValidationError } from "./names.ts";

export const FREQUENCIES: Record<EmailFrequency, string> = {
  off: "Never (the default)",
  immediate: "Straight away (new notifications are gathered for a minute or two)",
  daily: "Once a day, a digest",
  weekly: "Once a week, a digest",
};

/** The four kinds of notification a member may have emailed, with their labels. */
export const EMAIL_KINDS = {
  emailReplies: "Replies to my posts and mentions of me",
  emailMembership: "Answers to my requests to join a group",
  emailModeration: "Moderators' decisions about my posts",
  emailStaff: "For moderators: new reports, feedback and requests to join",
} as const;

export const API_KIND_NAMES = {
  emailReplies: "replies",
  emailMembership: "membership",
  emailModeration: "moderation",
  emailStaff: "staff",
} as const satisfies Record<keyof typeof EMAIL_KINDS, string>;

export function isFrequency(value: unknown): value is EmailFrequency {
  return typeof value === "string" && Object.hasOwn(FREQUENCIES, value);
}

export async function currentChoices(db: Kysely<Schema>, accountId: number): Promise<EmailChoices> {
  return choicesOf(await findEmailSettings(db, accountId));
}

/** The web form's fields as choices (unticked boxes are absent). */
export function choicesFromForm(f: Record<string, string>): EmailChoices {
  if (!isFrequency(f.frequency)) throw new ValidationError("frequency", "Choose how often to be emailed.");
  return {
    frequency: f.frequency,
    emailReplies: f.email_replies === "yes",
    emailMembership: f.email_membership === "yes",
    emailModeration: f.email_moderation === "yes",
    emailStaff: f.email_staff === "yes",
    showDetails: f.show_details === "yes",
  };
}

/** The API's JSON as a change to `current`: missing fields are kept. */
export function choicesFromJson(body: Record<string, unknown>, current: EmailChoices): EmailChoices {
  const next = { ...current };
  const known = new Set(["frequency", "showDetails", ...Object.values(API_KIND_NAMES)]);
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw new ValidationError(key, `unknown field "${key}"`);
  }
  if (body.frequency !== undefined) {
    if (!isFrequency(body.frequency)) {
      throw new ValidationError("frequency", `frequency must be one of ${Object.keys(FREQUENCIES).join(", ")}`);
    }
    next.frequency = body.frequency;
  }
  const flags: [keyof EmailChoices, string][] = [
    ["showDetails", "showDetails"],
    ...Object.entries(API_KIND_NAMES).map(([k, name]) => [k, name] as [keyof EmailChoices, string]),
  ];
  for (const [key, name] of flags) {
    const value = body[name];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new ValidationError(name, `${name} must be true or false`);
    (next as Record<string, unknown>)[key] = value;
  }
  return next;
}

/** Saves the choices, unless email is asked for an account without an address. */
export async function changeEmailChoices(db: Kysely<Schema>, account: Account, choices: EmailChoices): Promise<EmailChoices> {
  if (choices.frequency !== "off" && !account.email) {
    throw new ValidationError(
      "frequency",
      "Your account has no email address, so no email can be sent to you. Your notifications stay on the notifications page.",
    );
  }
  if (choices.frequency !== "off" && !Object.keys(EMAIL_KINDS).some((k) => choices[k as keyof typeof EMAIL_KINDS])) {
    throw new ValidationError("kinds", "Choose at least one kind of notification to be emailed, or choose Never.");
  }
  return choicesOf(await saveEmailSettings(db, account.id, choices));
}
