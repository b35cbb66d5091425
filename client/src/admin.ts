/** Routes for callers with the admin role: users, their roles, their events, their second factors. */
import type { Transport } from "./request.js";
import { callFor, ROUTES } from "./routes.js";
import type { EventList, ListQuery, RolesRequest, UserBody, UserList, UserListQuery, UserUpdateRequest } from "./types.js";

export function adminRoutes(transport: Transport) {
  return {
    /** GET /users (`email` finds one account, exact and case-insensitive) */
    listUsers: (query: UserListQuery = {}) => transport.call<UserList>(callFor(ROUTES.listUsers, { query: { ...query } }), "bearer"),
    /** GET /users/{id} */
    getUser: (id: string) => transport.call<UserBody>(callFor(ROUTES.getUser, { params: { id } }), "bearer"),
    /** PATCH /users/{id}: `{ disabled: true }` ends the user's sessions at once. */
    updateUser: (id: string, body: UserUpdateRequest) =>
      transport.call<UserBody>(callFor(ROUTES.updateUser, { params: { id }, body }), "bearer"),
    /** DELETE /users/{id} */
    deleteUser: (id: string) => transport.call<void>(callFor(ROUTES.deleteUser, { params: { id } }), "bearer"),
    /** PUT /users/{id}/roles: replaces the roles. */
    setUserRoles: (id: string, body: RolesRequest) =>
      transport.call<UserBody>(callFor(ROUTES.setUserRoles, { params: { id }, body }), "bearer"),
    /** DELETE /users/{id}/mfa: removes every second factor of the user (TOTP, recovery codes, passkeys), ends its sessions and emails the owner. */
    resetMfa: (id: string) => transport.call<void>(callFor(ROUTES.resetUserMfa, { params: { id } }), "bearer"),
    /** GET /users/{id}/events */
    userEvents: (id: string, query: ListQuery = {}) =>
      transport.call<EventList>(callFor(ROUTES.listUserEvents, { params: { id }, query: { ...query } }), "bearer"),
  };
}
