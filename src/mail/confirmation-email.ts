/**
 * The email that confirms an address.  It names nothing but the instance
 * and the link: no member, group, condition or post, since it goes to an
 * address nobody has confirmed yet (perhaps a stranger's, by a typo).
 */
import { escapeHtmlText } from "../html-escape.ts";

export function confirmationEmail(o: { instanceName: string; link: string; hours: number }) {
  const subject = `Confirm your email address for ${o.instanceName}`;
  const lines = [
    `Someone asked ${o.instanceName} to send notifications to this address.`,
    "",
    "If it was you, open this link and press the button to confirm it:",
    o.link,
    "",
    `The link works for ${o.hours} hours.`,
    "",
    "If it was not you, ignore this email: nothing more will be sent to this address.",
  ];
  const name = escapeHtmlText(o.instanceName);
  const link = escapeHtmlText(o.link);
  const html = [
    "<!DOCTYPE html>",
    `<html><head><meta charset="utf-8"><title>${escapeHtmlText(subject)}</title></head><body>`,
    `<p>Someone asked ${name} to send notifications to this address.</p>`,
    `<p>If it was you, open this link and press the button to confirm it:<br><a href="${link}">${link}</a></p>`,
    `<p>The link works for ${o.hours} hours.</p>`,
    "<p>If it was not you, ignore this email: nothing more will be sent to this address.</p>",
    "</body></html>",
  ].join("\n");
  return { subject, text: lines.join("\n"), html };
}
