/**
 * Answers to a browser rather than to a JSON client, for the routes a user's
 * browser visits (/oauth2/authorize, /oauth2/logout): a redirect, or a small
 * HTML page when there is nowhere safe to redirect to.
 */
import type { APIGatewayProxyResult } from "aws-lambda";

export function redirect(location: string): APIGatewayProxyResult {
  return { statusCode: 302, headers: { Location: location }, body: "" };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** A page with a heading and a message (and a link, when given); no script, no style, nothing from elsewhere. */
export function htmlPage(statusCode: number, title: string, message: string, link?: { href: string; text: string }): APIGatewayProxyResult {
  const body = [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title></head>`,
    `<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`,
    link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : "",
    "</main></body></html>",
  ].join("");
  return { statusCode, headers: { "Content-Type": "text/html; charset=utf-8" }, body };
}
