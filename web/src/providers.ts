/**
 * Outside identity providers in the app's pages: the "Continue with <name>"
 * buttons (one per provider of GET /auth/providers), and the words for the
 * codes a provider sign-in or link can end with (the callback's
 * `account_exists`, `email_not_verified`, `identity_in_use`,
 * `account_disabled`, and `invalid_state`), each said with its code, so that
 * a user who asks for help can quote it.
 */
import type { AuthClient, IdentityProvider } from "@lambda-auth-api/client";
import { onClickToLeave } from "./app.js";

/** The providers, or none when the API cannot say (the other ways to sign in still work). */
export async function listProviders(auth: AuthClient): Promise<IdentityProvider[]> {
  try {
    return (await auth.providers()).providers;
  } catch {
    return [];
  }
}

/**
 * One button per provider in `list` (an element whose children are
 * replaced), named `<verb> <name>`; a click runs `go(provider)`, which
 * ends by leaving the page (its failure is announced in `error`). `block`
 * (the list's container) is shown only when there is a provider.
 */
export function showProviderButtons(
  block: HTMLElement,
  list: HTMLElement,
  error: HTMLElement,
  providers: IdentityProvider[],
  go: (provider: IdentityProvider) => Promise<void>,
  verb = "Continue with",
): void {
  list.replaceChildren(
    ...providers.map((provider) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "provider";
      button.dataset.provider = provider.id;
      button.textContent = `${verb} ${provider.name}`;
      onClickToLeave(button, error, () => go(provider));
      item.append(button);
      return item;
    }),
  );
  block.hidden = providers.length === 0;
}

/** The codes a sign-in or link through an outside provider can end with, in words. */
const PROVIDER_ERRORS: Record<string, string> = {
  account_exists:
    "An account with this email address already exists here, and it was not connected automatically. Sign in the way you usually do (your password, say), then connect this provider from your profile.",
  email_not_verified:
    "The provider did not confirm that this email address is yours, so no account was made or connected. Confirm the address with the provider first, or sign up with a password.",
  identity_in_use: "That account at the provider is already connected to another user here. Sign in as that user to disconnect it first.",
  account_disabled: "This account is disabled. Contact the site's support if you think this is a mistake.",
  invalid_state:
    "This sign-in took too long, was already used, or was not started from this browser. Go back to the app you came from and sign in again.",
  access_denied: "The sign-in was cancelled at the provider.",
};

/** True for a code that `providerErrorMessage` has words for. */
export function isProviderErrorCode(code: string): boolean {
  return Object.hasOwn(PROVIDER_ERRORS, code);
}

/** A human sentence for `code`, which it names (e.g. "… (error code: account_exists)"). */
export function providerErrorMessage(code: string): string {
  const text = PROVIDER_ERRORS[code] ?? "The sign-in through the provider could not be completed. Please try again.";
  return `${text} (error code: ${code})`;
}

/**
 * The callback's code in an OAuth error answer's `error_description`
 * (`account_exists: <text>`), or undefined when it names none of ours.
 */
export function providerCodeOf(description: string): string | undefined {
  const code = /^([a-z_]+):/.exec(description)?.[1];
  return code !== undefined && isProviderErrorCode(code) ? code : undefined;
}
