/**
 * Inbox routes.  Listeners for each activity type are added by the
 * federation issues; errors are logged with the activity id.
 */
import type { FederationBuilder } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { ContextData } from "./context.ts";

const logger = getLogger(["kindred", "federation", "inbox"]);

export function registerInbox(builder: FederationBuilder<ContextData>): void {
  builder
    .setInboxListeners("/@{identifier}/inbox", "/inbox")
    .onError((_ctx, error) => {
      logger.error("Inbox listener failed: {error}", { error });
    });
}
