/**
 * The random values of a redirect signin, from WebCrypto (browsers and Node
 * 20+): a PKCE code verifier and its S256 challenge (RFC 7636 4.1, 4.2), and
 * `state` and `nonce`.
 */

/** 256 random bits, base64url: a code verifier (43 characters, within RFC 7636's 43-128), a state or a nonce. */
export function randomValue(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** `BASE64URL(SHA256(ASCII(code_verifier)))` (RFC 7636 4.2, method S256). */
export async function codeChallenge(codeVerifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(codeVerifier))));
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
