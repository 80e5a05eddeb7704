/**
 * The Hono application: request context and security headers, the inbound
 * guard, Fedify, then the HTML routes.
 */
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { ContextData } from "../federation/context.ts";
import type { AppEnv, AppServices } from "./app-env.ts";
import { type Config, loadRateLimits } from "./config.ts";
import { inboxRateLimit, RateLimiter } from "./rate-limits.ts";
import { federationMiddleware } from "./federation-middleware.ts";
import { inboundGuard } from "./inbound-guard.ts";
import { DEFAULT_IMAGE_LIMITS } from "./image-sanitiser.ts";
import { maxUploadBytes } from "./images.ts";
import { mediaRoutes } from "./routes/media.ts";
import { federationPolicyGuard } from "./federation-policy-guard.ts";
import { requestContext } from "./request-context.ts";
import { activityPubExtraRoutes } from "./routes/ap-extras.ts";
import { apiRoutes } from "./routes/api.ts";
import { pageRoutes } from "./routes/pages.tsx";
import { notFoundPage, webErrorPage } from "./routes/web-errors.tsx";
import { UNAVAILABLE_MESSAGE, unavailableReason } from "./unavailable.ts";
import { webAccountRoutes } from "./routes/web-account.tsx";
import { webDataRightsRoutes } from "./routes/web-data-rights.tsx";
import { consentFirst, webConsentRoutes } from "./routes/web-consent.tsx";
import { webGuidelinesAdminRoutes } from "./routes/web-guidelines-admin.tsx";
import { webGroupRoutes } from "./routes/web-groups.tsx";
import { webModerationRoutes } from "./routes/web-moderation.tsx";
import { webNotificationRoutes } from "./routes/web-notifications.tsx";
import { unsubscribeRoutes, webEmailSettingsRoutes } from "./routes/web-email-settings.tsx";
import { emailConfirmationRoutes, webEmailAddressRoutes } from "./routes/web-email-address.tsx";
import { webPostRoutes } from "./routes/web-posts.tsx";
import { webPremoderationRoutes } from "./routes/web-premoderation.tsx";
import { webGroupSettingsRoutes } from "./routes/web-group-settings.tsx";
import { webModerationPostRoutes } from "./routes/web-moderation-posts.tsx";
import { webAdminRoutes } from "./routes/web-admin.tsx";
import { webFederationPolicyRoutes } from "./routes/web-federation-policy.tsx";
import { webStaffRoutes } from "./routes/web-staff.tsx";
import { webPollRoutes } from "./routes/web-polls.tsx";
import { webFeedbackRoutes } from "./routes/web-feedback.tsx";
import { webOutcomeRoutes } from "./routes/web-outcomes.tsx";
import { feedRoutes } from "./routes/feeds.ts";
import { directoryDocumentRoutes } from "./routes/directory-document.ts";
import { webOnboardingRoutes } from "./routes/web-onboarding.tsx";
import { webCaregiverRoutes } from "./routes/web-caregivers.tsx";
import { csrfProtection } from "./csrf.ts";
import { webSession } from "./sessions.ts";

const logger = getLogger(["kindred", "http"]);

export interface AppOptions {
  config: Pick<Config, "origin" | "instanceName" | "indexPublicGroups" | "maxBodyBytes" | "maxJsonDepth" | "maxJsonNodes"> &
    Partial<Pick<Config, "secureMode" | "minAge" | "rateLimits" | "maxImageBytes" | "mail">>;
  federation: Federation<ContextData>;
  contextData: ContextData;
  fedify: AppServices["fedify"];
  /** Outcome-measure instruments (loaded and checked by createKindred). */
  instruments?: AppServices["instruments"];
}

export function createApp({ config, federation, contextData, fedify, instruments }: AppOptions): Hono<AppEnv> {
  const services: AppServices = {
    db: contextData.db,
    instanceName: config.instanceName,
    origin: config.origin,
    indexPublicGroups: config.indexPublicGroups,
    minAge: config.minAge ?? 16,
    emailEnabled: config.mail?.smtpUrl != null,
    mail: config.mail,
    digestSchedule: {
      hour: config.mail?.digestHour ?? 8,
      weekday: config.mail?.digestWeekday ?? 1,
      timeZone: config.mail?.timeZone ?? "UTC",
    },
    imageLimits: { ...DEFAULT_IMAGE_LIMITS, maxBytes: config.maxImageBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes },
    federation,
    instruments: instruments ?? new Map(),
    rateLimiter: new RateLimiter(contextData.db, config.rateLimits ?? loadRateLimits({})),
    fedify,
  };
  const app = new Hono<AppEnv>();
  app.use(requestContext());
  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      styleSrc: ["'self'"],
      scriptSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
    },
    // Same-origin: our own form POSTs carry an Origin header (checked against
    // CSRF); other sites are told nothing.
    referrerPolicy: "same-origin",
    // A route that sets its own header keeps it (/media/: a stricter CSP).
    overwrite: false,
  }));
  app.use(async (c, next) => {
    c.set("kindred", services);
    await next();
  });
  app.get("/healthz", (c) => c.json({ ok: true }));
  // Instance federation policy: blocked servers and secure mode (403/401).
  app.use(federationPolicyGuard({ federation, contextData, secureMode: config.secureMode ?? false }));
  // Inbox deliveries per remote server (429), before any body byte is read.
  app.use(inboxRateLimit());
  app.use(inboundGuard({
    maxBodyBytes: config.maxBodyBytes,
    maxJsonDepth: config.maxJsonDepth,
    maxUploadBytes: maxUploadBytes(services.imageLimits.maxBytes),
    maxJsonNodes: config.maxJsonNodes,
  }));
  app.use(federationMiddleware(federation, contextData));
  app.route("/api/v1", apiRoutes());
  app.route("/", activityPubExtraRoutes());
  // Feeds of public groups and threads: the same for everyone, no session.
  app.route("/", feedRoutes());
  // The group directory other instances fetch (signed; the federation policy applies).
  app.route("/", directoryDocumentRoutes({ federation, contextData }));
  // The member web pages: session cookie, then CSRF check on every form POST.
  app.use(webSession());
  // Images: their own access check on the session (src/routes/media.ts).
  app.route("/", mediaRoutes());
  // Unsubscribe links of emails: the token is the credential (no CSRF token; RFC 8058 one-click POSTs).
  app.route("/", unsubscribeRoutes());
  // Links that confirm an email address: the same (the token is the credential; GET changes nothing).
  app.route("/", emailConfirmationRoutes());
  app.use(csrfProtection());
  // An account that never consented consents before anything else.
  app.use(consentFirst());
  app.route("/", webConsentRoutes());
  app.route("/", webAccountRoutes());
  app.route("/", webDataRightsRoutes());
  app.route("/", webGroupRoutes());
  app.route("/", webOnboardingRoutes());
  app.route("/", webCaregiverRoutes());
  app.route("/", webPostRoutes());
  app.route("/", webModerationPostRoutes());
  app.route("/", webNotificationRoutes());
  app.route("/", webEmailSettingsRoutes());
  app.route("/", webEmailAddressRoutes());
  app.route("/", webGroupSettingsRoutes());
  app.route("/", webPremoderationRoutes());
  app.route("/", webModerationRoutes());
  app.route("/", webStaffRoutes());
  app.route("/", webAdminRoutes());
  app.route("/", webFederationPolicyRoutes());
  app.route("/", webGuidelinesAdminRoutes());
  app.route("/", webPollRoutes());
  app.route("/", webFeedbackRoutes());
  app.route("/", webOutcomeRoutes());
  app.route("/", pageRoutes());
  app.notFound(notFoundPage);
  app.onError((error, c) => {
    const answered = webErrorPage(c, error);
    if (answered) return answered;
    const unavailable = unavailableReason(error);
    if (unavailable) {
      logger.error("Database unavailable on {method} {path}: {reason}: {error}", {
        method: c.req.method,
        path: c.req.path,
        reason: unavailable,
        error,
      });
      c.header("Retry-After", "60");
      return c.req.path.startsWith("/api/")
        ? c.json({ error: UNAVAILABLE_MESSAGE }, 503)
        : c.text(UNAVAILABLE_MESSAGE, 503);
    }
    logger.error("Unhandled error on {method} {path}: {error}", {
      method: c.req.method,
      path: c.req.path,
      error,
    });
    return c.text("Something went wrong on our side. Please try again.", 500);
  });
  return app;
}
