/** The admin routes on other users' accounts (GET /users, /users/{id}, PATCH, DELETE, events, identities, DELETE mfa); each its own function and role. */
import type { Actor } from "../../lib/admin/actor.js";
import { parseUserId, parseUserUpdate } from "../../lib/admin/input.js";
import { deleteUserAsAdmin, listUsers, resetMfa, setDisabled } from "../../lib/admin/user-admin.js";
import { listIdentities } from "../../lib/accounts/identity-settings.js";
import { listEvents } from "../../lib/audit/event-list.js";
import type { Caller } from "../../lib/http/caller.js";
import { json, noContent, protectedRoute, type ApiRequest } from "../../lib/http/routes.js";
import { parseListParams, parseUserListParams } from "../../lib/http/list-params.js";
import { userById } from "../../lib/users/users.js";

const admin = { roles: ["admin"] } as const;
const actorOf = ({ caller, client }: ApiRequest<Caller>): Actor => ({ userId: caller.userId, sid: caller.sid, client });
const targetOf = ({ event }: ApiRequest<Caller>) => parseUserId(event.pathParameters?.id);

export const listUsersHandler = protectedRoute({ body: "none", ...admin }, async ({ event }) =>
  json(200, await listUsers(parseUserListParams(event.queryStringParameters))),
);

export const getUserHandler = protectedRoute({ body: "none", ...admin }, async (request) =>
  json(200, { user: await userById(targetOf(request)) }),
);

export const updateUserHandler = protectedRoute({ body: "json", ...admin }, async (request) => {
  const userId = targetOf(request);
  const { disabled } = parseUserUpdate(request.body);
  return json(200, { user: await setDisabled(actorOf(request), userId, disabled) });
});

export const deleteUserHandler = protectedRoute({ body: "none", ...admin }, async (request) => {
  await deleteUserAsAdmin(actorOf(request), targetOf(request));
  return noContent();
});

export const userEventsHandler = protectedRoute({ body: "none", ...admin }, async (request) => {
  const userId = targetOf(request);
  return json(200, await listEvents(userId, parseListParams(request.event.queryStringParameters), { mustExist: true }));
});

/** The outside identities linked to the user, as the user sees them (GET /users/me/identities); 404 when there is no such user. */
export const userIdentitiesHandler = protectedRoute({ body: "none", ...admin }, async (request) =>
  json(200, { identities: await listIdentities(targetOf(request)) }),
);

export const resetMfaHandler = protectedRoute({ body: "none", ...admin }, async (request) => {
  await resetMfa(actorOf(request), targetOf(request));
  return noContent();
});
