/**
 * Deliveries go where the policy was checked: a shared inbox on another
 * server than the actor's own inbox is ignored (federation/delivery.ts).
 */
import { describe, expect, it } from "vitest";
import type { Actor } from "../db/schema.ts";
import { recipientOf } from "../federation/delivery.ts";

const actor = (inbox: string | null, shared: string | null) =>
  ({ uri: "https://partner.example/u/kim", inbox_url: inbox, shared_inbox_url: shared }) as Actor;

describe("recipientOf", () => {
  it("uses the shared inbox of the actor's own server", () => {
    const r = recipientOf(actor("https://partner.example/u/kim/inbox", "https://partner.example/inbox"));
    expect(r.endpoints?.sharedInbox?.href).toBe("https://partner.example/inbox");
    expect(r.inboxId?.href).toBe("https://partner.example/u/kim/inbox");
  });

  it("ignores a shared inbox on another server, so deliveries go to the inbox the policy checked", () => {
    const r = recipientOf(actor("https://partner.example/u/kim/inbox", "https://elsewhere.example/inbox"));
    expect(r.endpoints).toBeNull();
    expect(r.inboxId?.href).toBe("https://partner.example/u/kim/inbox");
    // Without an inbox of its own, the actor's server decides.
    expect(recipientOf(actor(null, "https://elsewhere.example/inbox")).endpoints).toBeNull();
    expect(recipientOf(actor(null, "https://partner.example/inbox")).endpoints?.sharedInbox?.href)
      .toBe("https://partner.example/inbox");
  });
});
