/**
 * The passkey ceremonies in a browser, with @simplewebauthn/browser: add a
 * passkey, sign in with one (a button, the browser's autofill, or the second
 * step of a password signin). Browser only, and the one part of the client
 * with a dependency: import it from here, not from index.ts, which stays
 * usable in Node without it.
 *
 *   import { addPasskey, signInWithPasskey, startPasskeyAutofill } from "./client/src/passkeys-browser.js";
 *   await addPasskey(auth, "Laptop");
 *   await signInWithPasskey(auth);                      // "Sign in with a passkey"
 *   startPasskeyAutofill(auth, { onSignedIn, onError }); // on page load; the input has autocomplete="username webauthn"
 *
 * One ceremony runs at a time: a new one cancels the one in progress (the
 * autofill, typically), whose promise rejects with a cancellation
 * (`isPasskeyCancellation`).
 */
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  WebAuthnError,
} from "@simplewebauthn/browser";
import type { AuthClient } from "./auth-client.js";
import type {
  AuthenticationResponseJSON,
  Passkey,
  PasskeyCreationOptions,
  PasskeyRequestOptions,
  RegistrationResponseJSON,
  Session,
} from "./types.js";

/** Whether this browser has WebAuthn at all (without it, hide the passkey buttons). */
export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/** Whether this browser offers passkeys in the autofill of an `autocomplete="... webauthn"` input (conditional mediation). */
export const passkeyAutofillSupported = (): Promise<boolean> => browserSupportsWebAuthnAutofill();

/** A ceremony replaced by a newer one before it reached the browser. */
class CeremonyReplaced extends Error {
  constructor() {
    super("A newer passkey ceremony replaced this one");
    this.name = "AbortError";
  }
}

/** Counts ceremonies, so that one whose options arrive after a newer one started never starts (and so never aborts the newer one). */
let latest = 0;

/** Runs `ceremony` with the browser unless a newer ceremony began meanwhile. */
function ceremony<Options, Result>(run: (options: Options) => Promise<Result>): (options: Options) => Promise<Result> {
  const mine = ++latest;
  return async (options) => {
    if (mine !== latest) throw new CeremonyReplaced();
    return run(options);
  };
}

/**
 * Adds a passkey: creation options, the browser's ceremony (the user creates
 * the passkey with their device), then registration. Answers the new Passkey.
 */
export async function addPasskey(auth: AuthClient, name?: string): Promise<Passkey> {
  const create = ceremony(async (optionsJSON: PasskeyCreationOptions) => {
    const response = await startRegistration({ optionsJSON });
    // Only `clientExtensionResults` differs: the library's is an interface of the known extensions, openapi.yaml's an open object.
    return response as RegistrationResponseJSON;
  });
  const response = await create(await auth.passkeys.registrationOptions());
  const { passkey } = await auth.passkeys.register(response, name);
  return passkey;
}

async function assertion(optionsJSON: PasskeyRequestOptions, useBrowserAutofill: boolean): Promise<AuthenticationResponseJSON> {
  const response = await startAuthentication({ optionsJSON, useBrowserAutofill });
  // As for registration: only `clientExtensionResults` is typed differently.
  return response as AuthenticationResponseJSON;
}

/**
 * Signs in with a passkey the user picks in the browser's dialog (and, with
 * `mfaToken`, as the second step of a password signin). Keeps the session and
 * answers it. Cancels the autofill ceremony, if one is waiting.
 */
export function signInWithPasskey(auth: AuthClient, { mfaToken }: { mfaToken?: string } = {}): Promise<Session> {
  return auth.signInWithPasskey(
    ceremony((options: PasskeyRequestOptions) => assertion(options, false)),
    mfaToken === undefined ? {} : { mfaToken },
  );
}

/**
 * Passkey autofill (conditional mediation): the browser lists the user's
 * passkeys among the suggestions of the input whose `autocomplete` ends in
 * "webauthn"; picking one signs in. Call it on page load when
 * `passkeyAutofillSupported()`. Resolves with the session; rejects with a
 * cancellation when another ceremony replaced it (`isPasskeyCancellation`).
 */
export function signInWithPasskeyAutofill(auth: AuthClient): Promise<Session> {
  return auth.signInWithPasskey(ceremony((options: PasskeyRequestOptions) => assertion(options, true)));
}

/** How long the autofill waits before it starts again after a failure, doubling up to a minute (no tight loop when the API is down). */
const AUTOFILL_RETRY_MS = 1000;
const AUTOFILL_RETRY_MAX_MS = 60_000;

/**
 * Keeps passkey autofill running on a sign-in page: starts it, and starts it
 * again after a failure (the options' challenge is good for 5 minutes, and a
 * picked passkey that does not verify should not end the offer) or after a
 * button's ceremony ended without signing in (call `restart`). Stops once
 * signed in, or after `stop`. Failures other than cancellations and dismissed
 * prompts go to `onError`.
 */
export function startPasskeyAutofill(
  auth: AuthClient,
  handlers: { onSignedIn: (session: Session) => void; onError?: (error: unknown) => void },
): { restart(): void; stop(): void } {
  let stopped = false;
  let running = false;
  /** A restart asked for while the ceremony was still on its way out. */
  let again = false;
  let retryMs = AUTOFILL_RETRY_MS;
  /** The autofill's ceremony (`latest` when it is the one in progress). */
  let mine = 0;
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    const signingIn = signInWithPasskeyAutofill(auth);
    mine = latest;
    signingIn.then(
      (session) => {
        running = false;
        stopped = true;
        handlers.onSignedIn(session);
      },
      (error: unknown) => {
        running = false;
        if (isPasskeyCancellation(error)) {
          if (again) {
            again = false;
            run();
          }
          return;
        }
        // The user dismissed the browser's prompt, or it timed out: nothing to tell them. Anything
        // else (a passkey that did not verify, the API unreachable) is told, and the offer stays.
        if (!(error instanceof Error && error.name === "NotAllowedError")) handlers.onError?.(error);
        setTimeout(run, retryMs);
        retryMs = Math.min(retryMs * 2, AUTOFILL_RETRY_MAX_MS);
      },
    );
  };
  run();
  return {
    restart: run,
    stop() {
      stopped = true;
      // Only its own: never a button's ceremony that replaced it.
      if (running && mine === latest) cancelPasskeyCeremony();
    },
  };
}

/** Cancels the ceremony in progress (leaving a page's second step, say). */
export function cancelPasskeyCeremony(): void {
  latest += 1;
  WebAuthnAbortService.cancelCeremony();
}

/**
 * True when a ceremony ended without an error worth showing: a newer
 * ceremony or the page cancelled it. (The user closing the browser's dialog
 * or the dialog timing out is a `NotAllowedError`: `passkeyErrorMessage`.)
 */
export function isPasskeyCancellation(error: unknown): boolean {
  if (error instanceof CeremonyReplaced) return true;
  if (error instanceof WebAuthnError) return error.code === "ERROR_CEREMONY_ABORTED";
  return error instanceof Error && error.name === "AbortError";
}

/**
 * A sentence for the user about a failed browser ceremony, or undefined when
 * `error` is not one (an API error, a network failure).
 */
export function passkeyErrorMessage(error: unknown): string | undefined {
  if (error instanceof WebAuthnError && error.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") {
    return "This device already has a passkey for your account.";
  }
  if (error instanceof Error && error.message === "WebAuthn is not supported in this browser") return "This browser does not support passkeys.";
  // The library's errors keep the browser's name (a DOMException's); the browser's own errors are DOMExceptions.
  const name = error instanceof WebAuthnError || (typeof DOMException === "function" && error instanceof DOMException) ? error.name : "";
  switch (name) {
    case "":
      return undefined;
    case "NotAllowedError":
      return "The passkey request was cancelled or timed out. Try again when you are ready.";
    case "InvalidStateError":
      return "This device already has a passkey for your account.";
    case "NotSupportedError":
    case "ConstraintError":
      return "This device cannot make a passkey that this site accepts.";
    case "SecurityError":
      return "Passkeys cannot be used on this address.";
    case "AbortError":
      return "The passkey request was cancelled.";
    default:
      return "The passkey request failed. Please try again.";
  }
}
