/**
 * The signed-in user: email, username, name, roles, whether the account has
 * a password (a user made by an outside provider has none, and can set one
 * through the reset email), and the connected accounts: the outside
 * identities linked to the user, each with "Unlink" (refused while it is the
 * only way to sign in), and "Connect <name>" for each provider not linked
 * yet (once the user's own email is verified: the API refuses to link an
 * identity to an unverified account), which goes to the provider and comes back here with
 * `?linked=<provider>` or `?error=<code>&provider=<provider>` (said in a
 * notice; the address bar is cleaned at once).
 *
 * And self-service: edit the name and username (PATCH /users/me), change the
 * email address (a link to the new address; confirmed at /confirm-email),
 * and delete the account with the current password, after a confirmation
 * step (then signed out, with a notice on the home page).
 */
import { ConflictError, SessionEndedError, type Identity, type IdentityProvider, type User } from "@lambda-auth-api/client";
import { describeError, element, field, keepNotice, onSubmit, startApp } from "../app.js";
import { announce, focusOn, requireField } from "../forms.js";
import { listProviders, providerErrorMessage, showProviderButtons } from "../providers.js";

// A link's answer is read once, then leaves the address bar (a reload should not say it again).
const answer = new URLSearchParams(location.search);
const linked = answer.get("linked") || undefined;
const linkFailure = answer.get("error") || undefined;
/** The provider a failed link was with (the API names it beside `error`). */
const failedProvider = answer.get("provider") || undefined;
if (location.search) history.replaceState(null, "", location.pathname + location.hash);

const auth = await startApp("protected");
const providers = listProviders(auth);
const status = element("profile-status");
const identities = element("identities");
const identitiesHeading = element("identities-heading");
const identitiesStatus = element("identities-status");
const identitiesError = element("identities-error");
const identityTable = element<HTMLTableElement>("identity-table");

const nameOf = (id: string, list: IdentityProvider[]) => list.find((provider) => provider.id === id)?.name ?? id;

function showPassword(user: User): void {
  const cell = element("profile-password");
  if (user.hasPassword) {
    const link = document.createElement("a");
    link.href = "/password";
    link.textContent = "Change it";
    cell.replaceChildren("Set. ", link);
    return;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "link";
  button.textContent = "Email me a link to set a password";
  const result = document.createElement("span");
  result.setAttribute("role", "status");
  button.addEventListener("click", () => {
    button.disabled = true;
    result.textContent = "";
    auth.account
      .forgotPassword({ email: user.email })
      .then(({ message }) => (result.textContent = ` ${message}`))
      .catch((error: unknown) => {
        result.textContent = ` ${describeError(error)}`;
        button.disabled = false;
      });
  });
  cell.replaceChildren("None: you sign in with a connected account or a passkey. ", button, result);
}

/** The user as last shown (what the edit form compares with). */
let shown: User | undefined;

/** The user's details, and the forms filled in for them. */
function showUser(user: User): void {
  shown = user;
  element("profile-email").textContent = user.email;
  element("profile-verified").textContent = user.emailVerified ? "yes" : "no";
  element("profile-username").textContent = user.username ?? "—";
  element("profile-name").textContent = user.name ?? "—";
  element("profile-roles").textContent = user.roles.join(", ");
  element("profile-created").textContent = new Date(user.createdAt).toLocaleString();
  showPassword(user);
  emailVerified = user.emailVerified;
  element("profile").hidden = false;
  element("resend-form").hidden = user.emailVerified;
  element<HTMLInputElement>("edit-name").value = user.name ?? "";
  element<HTMLInputElement>("edit-username").value = user.username ?? "";
  element("edit").hidden = false;
  showEmailChange(user);
  element("delete-needs-password").hidden = user.hasPassword;
  element("delete-start").hidden = !user.hasPassword;
  element("delete").hidden = false;
}

async function show(): Promise<void> {
  if (!(await auth.getSession())) return;
  try {
    const { user } = await auth.me.get();
    showUser(user);
    status.textContent = "";
  } catch (error) {
    status.textContent = "";
    // An ended session: the app shows the signed-out page, with a sign-in link, instead.
    if (!(error instanceof SessionEndedError)) element("profile-error").textContent = describeError(error);
    return;
  }
  await showIdentities();
}

/** Whether the user's own email is verified: the API links no identity to an account whose email is not. */
let emailVerified = false;

function renderIdentities(list: Identity[], known: IdentityProvider[]): void {
  const body = identityTable.tBodies[0];
  body.replaceChildren();
  for (const identity of list) {
    const name = nameOf(identity.provider, known);
    const row = body.insertRow();
    row.dataset.provider = identity.provider;
    row.insertCell().textContent = name;
    row.insertCell().textContent = identity.email ?? "—";
    row.insertCell().textContent = new Date(identity.linkedAt).toLocaleString();
    const unlink = document.createElement("button");
    unlink.type = "button";
    unlink.textContent = "Unlink";
    unlink.setAttribute("aria-label", `Unlink ${name}`);
    unlink.addEventListener("click", () => void unlinkIdentity(identity, name, unlink));
    row.insertCell().append(unlink);
  }
  identityTable.hidden = list.length === 0;
  identitiesStatus.textContent =
    list.length === 0 ? "No accounts are connected." : `${list.length} ${list.length === 1 ? "account is" : "accounts are"} connected.`;
  const notLinked = known.filter((provider) => !list.some((identity) => identity.provider === provider.id));
  element("connect-needs-verified").hidden = emailVerified || notLinked.length === 0;
  showProviderButtons(
    element("connect-block"),
    element("connect-list"),
    identitiesError,
    emailVerified ? notLinked : [],
    (provider) => auth.me.linkIdentityWithRedirect(provider.id, `${location.origin}/profile`),
    "Connect",
  );
  identities.hidden = false;
}

/** Draws the section again; answers the providers' names. */
async function loadIdentities(): Promise<IdentityProvider[]> {
  const [{ identities: list }, known] = await Promise.all([auth.me.identities(), providers]);
  renderIdentities(list, known);
  return known;
}

async function showIdentities(): Promise<void> {
  let known: IdentityProvider[];
  try {
    known = await loadIdentities();
  } catch (error) {
    identities.hidden = false;
    identitiesError.textContent = describeError(error);
    return;
  }
  if (linked) identitiesStatus.textContent = `${nameOf(linked, known)} is connected: you can sign in with it now. ${identitiesStatus.textContent}`;
  if (linkFailure) {
    const which = failedProvider ? `your ${nameOf(failedProvider, known)} account` : "the account";
    identitiesError.textContent = `Connecting ${which} failed. ${providerErrorMessage(linkFailure)}`;
  }
  if (linked || linkFailure) identitiesHeading.focus();
}

async function unlinkIdentity(identity: Identity, name: string, button: HTMLButtonElement): Promise<void> {
  identitiesError.textContent = "";
  button.disabled = true;
  try {
    await auth.me.unlinkIdentity(identity.provider);
    await loadIdentities();
    identitiesStatus.textContent = `${name} is unlinked. ${identitiesStatus.textContent}`;
    identitiesHeading.focus();
  } catch (error) {
    button.disabled = false;
    identitiesError.textContent =
      error instanceof ConflictError && error.code === "last_sign_in_method"
        ? `${name} cannot be unlinked: it is your only way to sign in. Set a password first (the Password line above emails you a link), or add a passkey, then unlink it. (error code: last_sign_in_method)`
        : describeError(error);
  }
}

onSubmit(element<HTMLFormElement>("resend-form"), async () => {
  const { message } = await auth.account.resendVerification();
  announce(status, message);
});

onSubmit(element<HTMLFormElement>("edit-form"), async (data) => {
  const name = field(data, "name");
  const username = field(data, "username");
  // Only what changed is sent: an unchanged username is not checked against the others again.
  const changes = {
    ...(name !== (shown?.name ?? "") && { name }),
    ...(username !== (shown?.username ?? "") && { username }),
  };
  if (Object.keys(changes).length === 0) {
    announce(element("edit-result"), "Nothing to save: the name and username are as they were.");
    return;
  }
  const { user } = await auth.me.update(changes);
  showUser(user);
  announce(element("edit-result"), "Your name and username are saved.");
});

/** How this user proves it is them for an email change: the current password, a second-factor code, or the session itself. */
function showEmailChange(user: User): void {
  const byCode = !user.hasPassword && user.mfaEnabled;
  element("email-password-block").hidden = !user.hasPassword;
  element<HTMLInputElement>("email-password").required = user.hasPassword;
  element("email-code-block").hidden = !byCode;
  element<HTMLInputElement>("email-code").required = byCode;
  element("email-session-hint").hidden = user.hasPassword || byCode;
  element("email-change").hidden = false;
}

const emailForm = element<HTMLFormElement>("email-form");
onSubmit(emailForm, async (data) => {
  const session = await auth.getSession();
  if (!session) return;
  const newEmail = field(data, "newEmail");
  requireField(data, "newEmail", "Enter the new email address.");
  const { hasPassword, mfaEnabled } = session.user;
  if (hasPassword) requireField(data, "currentPassword", "Enter your current password.");
  else if (mfaEnabled) requireField(data, "code", "Enter a code from your authenticator app, or a recovery code.");
  // No password and no code: the API takes the change from a multi-factor session (a passkey's) alone.
  const proof = hasPassword
    ? { currentPassword: String(data.get("currentPassword") ?? "") }
    : mfaEnabled
      ? { code: field(data, "code").replace(/\s/g, "") }
      : {};
  await auth.me.changeEmail({ newEmail, ...proof } as Parameters<typeof auth.me.changeEmail>[0]);
  emailForm.reset();
  announce(element("email-result"), `We sent a link to ${newEmail}. Open it to finish the change; until then, you sign in with ${session.user.email}.`);
});

const deleteForm = element<HTMLFormElement>("delete-form");
const deleteStart = element<HTMLButtonElement>("delete-start");
deleteStart.addEventListener("click", () => {
  deleteForm.hidden = false;
  deleteStart.hidden = true;
  focusOn(element("delete-confirm-heading"));
});
element("delete-cancel").addEventListener("click", () => {
  deleteForm.reset();
  deleteForm.hidden = true;
  deleteStart.hidden = false;
  deleteStart.focus();
});
onSubmit(deleteForm, async (data) => {
  requireField(data, "currentPassword", "Enter your current password to delete the account.");
  const email = (await auth.getSession())?.user.email ?? "your account";
  await auth.me.delete({ currentPassword: String(data.get("currentPassword") ?? "") });
  keepNotice({ text: `The account ${email} is deleted, and every device is signed out.` });
  location.assign("/");
});

await show();
