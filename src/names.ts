/**
 * Rules for local names (usernames and group slugs), shared by the CLI,
 * the API and the web pages.  Lower-case ASCII so that a handle reads the
 * same everywhere and cannot be spoofed with look-alike characters.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{1,62}$/;

/** Names that would be confusing or collide with routes and well-known ids. */
const RESERVED = new Set([
  "admin", "administrator", "api", "about", "inbox", "outbox", "login", "logout", "signup",
  "settings", "groups", "static", "nodeinfo", "well-known", "moderator", "moderators",
  "kindred", "root", "system", "support", "help", "instance", "null", "undefined",
]);

export class ValidationError extends Error {
  // A declared field, not a parameter property: src/image-worker.ts loads
  // this file with Node's type stripping, which takes only erasable syntax.
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
    this.name = "ValidationError";
  }
}

/** Throws ValidationError unless `name` is a usable new local name. */
export function checkName(field: string, name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError(
      field,
      `${field} must be 2 to 63 characters: lower-case letters, digits, "-" or "_", starting with a letter or digit (got "${name}")`,
    );
  }
  if (RESERVED.has(name)) throw new ValidationError(field, `${field} "${name}" is reserved`);
  return name;
}
