/**
 * The gate of every admin page: the console's markup stays in a <template>
 * (inert, not in the document) until the visitor is known to be a signed-in
 * admin. A visitor who is signed out gets a sign-in link; a user without the
 * admin role gets a plain "you need the admin role" and no admin data is
 * asked for (the API answers 403 anyway). One request decides: the caller's
 * own user (its roles now, not those of when the session began).
 */
import { SessionEndedError, type AuthClient, type User } from "@lambda-auth-api/client";
import { describeError, element, showSignedOut, startApp } from "../app.js";
import { isLostAdminRole } from "./errors.js";

export interface AdminConsole {
  auth: AuthClient;
  /** The signed-in admin (the self-protection rule: some actions are not theirs to take on themselves). */
  me: User;
}

/** The page's gate line (role="status"): "Loading…", then why the console is not shown, or nothing. */
const gate = () => element("admin-gate");

export async function startConsole(): Promise<AdminConsole | undefined> {
  // "protected": signed out, app.ts hides the page behind a sign-in link that comes back here. Not
  // "admin", whose check reads the roles stored at signin: an admin made since (npm run grant-role) has it now.
  const auth = await startApp("protected");
  if (!(await auth.getSession())) {
    showSignedOut(gate());
    return undefined;
  }
  let me: User;
  try {
    ({ user: me } = await auth.me.get());
  } catch (error) {
    if (error instanceof SessionEndedError) showSignedOut(gate());
    else gate().textContent = describeError(error);
    return undefined;
  }
  if (!me.roles.includes("admin")) {
    showNoAdminRole(me);
    return undefined;
  }
  const template = element<HTMLTemplateElement>("console-template");
  element("console").replaceChildren(template.content.cloneNode(true));
  gate().textContent = "";
  return { auth, me };
}

function showNoAdminRole(me: Pick<User, "email" | "roles"> | undefined): void {
  const link = document.createElement("a");
  link.href = "/profile";
  link.textContent = "Go to your profile";
  const who = me ? ` You are signed in as ${me.email}, with the ${me.roles.length === 1 ? "role" : "roles"} ${me.roles.join(", ") || "none"}.` : "";
  gate().replaceChildren(`You need the admin role to use the admin console.${who} `, link);
}

/**
 * When an admin call answers 403 `forbidden` (the role was removed since the
 * page opened), the console goes away and the page says why; answers whether
 * it did.
 */
export function closeConsoleIfNotAdmin(error: unknown): boolean {
  if (!isLostAdminRole(error)) return false;
  element("console").replaceChildren();
  showNoAdminRole(undefined);
  return true;
}
