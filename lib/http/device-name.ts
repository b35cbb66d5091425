/**
 * A person's name for the device behind a stored User-Agent ("Chrome on
 * macOS", "Safari on iPhone", "Firefox on Linux"), for the sessions list and
 * the audit trail, computed when they are read (the stored User-Agent stays
 * as it was sent). Parsing is bowser's, a maintained User-Agent parser, not
 * our own regular expressions. A User-Agent that names no known browser or
 * system (a script, curl) is shown by its first product token ("curl").
 * Cost: bowser is about 35 KB of a minified bundle (the sessions list's is
 * about 700 KB with it, so ~5%; measured with esbuild's metafile), loaded only
 * by the functions that list sessions or events.
 */
import Bowser from "bowser";

/** Shorter, familiar names for what bowser reports. */
const BROWSER_NAMES: Record<string, string> = { "Microsoft Edge": "Edge", "Samsung Internet for Android": "Samsung Internet" };
const OS_NAMES: Record<string, string> = { "Chrome OS": "ChromeOS" };

/** A product token as scripts send it ("curl/8.5.0" -> "curl"), when it looks like one. */
const PRODUCT = /^([A-Za-z][A-Za-z0-9._-]{0,39})(?:\/\S*)?(?:\s|$)/;

export function deviceName(userAgent: string | undefined): string | undefined {
  const text = userAgent?.trim();
  if (!text) return undefined;
  const parser = Bowser.getParser(text);
  const browser = parser.getBrowserName();
  const os = parser.getOSName();
  // On Apple's phones and tablets the model says more than "iOS".
  const model = os === "iOS" ? parser.getPlatform().model : undefined;
  const system = model || OS_NAMES[os] || os;
  const named = BROWSER_NAMES[browser] ?? browser;
  if (named && system) return `${named} on ${system}`;
  if (named || system) return named || system;
  return PRODUCT.exec(text)?.[1] ?? "Unknown device";
}
