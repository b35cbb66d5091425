/**
 * The admin console's users: every user, newest first, a page at a time
 * (Previous/Next over the API's cursors; the page size from "Users per page"
 * or `?limit=`), or the one user with an email (exact, case-insensitive: what
 * `GET /users?email=` finds). Each email links to the user's page. The search
 * and page size stay in the address, the page in the history entry, so that
 * Back from a user's page comes back here.
 */
import type { User } from "@lambda-auth-api/client";
import { element, field, onSubmit } from "../app.js";
import { FieldError } from "../errors.js";
import { startConsole } from "../admin/console.js";
import { takeFlash } from "../admin/actions.js";
import { describeAdminError } from "../admin/errors.js";
import { accountState, addCell, nameAndUsername, rolesText } from "../admin/format.js";
import { timeElement } from "../devices.js";
import { cursorPager, readPosition } from "../admin/pager.js";

const DEFAULT_LIMIT = 50;

function parseLimit(value: string | null): number {
  const limit = Number(value);
  return Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : DEFAULT_LIMIT;
}

const admin = await startConsole();
if (admin) {
  const { auth } = admin;
  const address = new URLSearchParams(location.search);
  const query = { email: address.get("email")?.trim() || undefined, limit: parseLimit(address.get("limit")) };
  const status = element("users-status");
  const error = element("users-error");
  const table = element<HTMLTableElement>("users-table");
  const caption = element("users-caption");
  const searchInput = element<HTMLInputElement>("search-email");
  const showAll = element<HTMLButtonElement>("show-all");
  const pageSize = element<HTMLSelectElement>("page-size");

  element("flash").textContent = takeFlash();

  // A size from the address that the menu does not offer (?limit=2) is offered too.
  if (![...pageSize.options].some((option) => Number(option.value) === query.limit)) pageSize.add(new Option(String(query.limit), String(query.limit)));
  pageSize.value = String(query.limit);
  searchInput.value = query.email ?? "";
  showAll.hidden = query.email === undefined;

  function render(users: User[]): void {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const user of users) {
      const row = body.insertRow();
      row.dataset.userId = user.id;
      const link = document.createElement("a");
      link.href = `/admin-user?id=${encodeURIComponent(user.id)}`;
      link.textContent = user.email;
      addCell(row, "Email", link);
      addCell(row, "Name (username)", nameAndUsername(user));
      addCell(row, "Roles", rolesText(user.roles));
      addCell(row, "Account", accountState(user));
      addCell(row, "Second factor", user.mfaEnabled ? "On" : "Off");
      addCell(row, "Created", timeElement(user.createdAt));
    }
    table.hidden = users.length === 0;
  }

  function keepInAddress(): void {
    const params = new URLSearchParams();
    if (query.email) params.set("email", query.email);
    if (query.limit !== DEFAULT_LIMIT) params.set("limit", String(query.limit));
    const search = params.toString() ? `?${params}` : "";
    history.replaceState(pager.position(), "", `/admin${search}`);
  }

  const pager = cursorPager({
    nav: element("users-pager"),
    previous: element<HTMLButtonElement>("users-previous"),
    next: element<HTMLButtonElement>("users-next"),
    async load(cursor, pageNumber) {
      error.textContent = "";
      status.textContent = "Loading…";
      const email = query.email;
      const page = email ? await auth.admin.listUsers({ email }) : await auth.admin.listUsers({ limit: query.limit, ...(cursor && { cursor }) });
      render(page.users);
      if (email) {
        caption.textContent = `Users with the email ${email}`;
        status.textContent = page.users.length ? `Found the user with the email ${email}.` : `No user has the email ${email}.`;
      } else {
        const first = (pageNumber - 1) * query.limit + 1;
        caption.textContent = `Users, newest first: page ${pageNumber}`;
        status.textContent = page.users.length
          ? `Page ${pageNumber}: users ${first} to ${first + page.users.length - 1}${page.nextCursor ? "" : " (the last page)"}.`
          : "No users.";
      }
      return page.nextCursor;
    },
    onError(caught) {
      status.textContent = "";
      error.textContent = describeAdminError(caught);
    },
    onMoved() {
      keepInAddress();
      caption.focus();
    },
  });

  /** Shows the first page of what `query` asks for; answers whether it could. */
  async function showFirstPage(): Promise<boolean> {
    const shown = await pager.show();
    if (shown) keepInAddress();
    showAll.hidden = query.email === undefined;
    return shown;
  }

  onSubmit(
    element<HTMLFormElement>("search-form"),
    async (data) => {
      const email = field(data, "email");
      if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new FieldError("email", "Enter a whole email address, like alice@example.com.");
      query.email = email || undefined;
      if (await showFirstPage()) (table.hidden ? status : caption).focus();
    },
    describeAdminError,
  );

  showAll.addEventListener("click", () => {
    query.email = undefined;
    searchInput.value = "";
    void showFirstPage().then((shown) => shown && caption.focus());
  });

  pageSize.addEventListener("change", () => {
    query.limit = parseLimit(pageSize.value);
    void showFirstPage();
  });

  const kept = readPosition(history.state);
  if (await pager.show(kept)) keepInAddress();
  else if (kept && (await pager.show())) keepInAddress(); // a kept cursor that no longer works: the first page
}
