// The monthly cost model: measured $ per operation times a stated usage
// profile, for 10k, 100k and 1M monthly active users, beside the per-MAU
// prices Amazon Cognito and Auth0 publish. Pure: bench/cost.ts feeds it.
import { PRICES } from "./prices.js";

/** Operations per monthly active user per month. */
export interface UsageProfile {
  label: string;
  perUser: Record<string, number>;
}

export const PROFILE: UsageProfile = {
  label:
    "per monthly active user: 4 signins, 30 refreshes, 600 authorized requests of which the authorizer cache answers half " +
    "(300 authorizer invocations with their session read), 1 signout, 2 reads of the profile; and for one user in ten a signup " +
    "(with its verification email) and a password reset (forgot, the email, reset, the notice); one in twenty changes the password",
  perUser: {
    signin: 4,
    refresh: 30,
    "authorizer (uncached)": 300,
    "signout (this session)": 1,
    "GET /users/me": 2,
    signup: 0.1,
    "forgot password": 0.1,
    "password reset": 0.1,
    "password change": 0.05,
  },
};

/** Bytes a user keeps in DynamoDB: the user item, its claims, live sessions, 90 days of events. Estimated, stated. */
export const STORED_BYTES_PER_USER = 4 * 1024;

export interface MonthlyRow {
  mau: number;
  ours: number;
  cognitoLite: number;
  cognitoEssentials: number;
  cognitoPlus: number;
}

/** Cognito user pools, per MAU a month (tiers as published; first 10,000 free on Lite and Essentials). */
export function cognitoMonthly(plan: "lite" | "essentials" | "plus", mau: number): number {
  if (plan === "plus") return mau * 0.02;
  if (plan === "essentials") return Math.max(0, mau - 10_000) * 0.015;
  // Lite: 10,000 free, $0.0055 up to 100,000, $0.0046 for the next 900,000, $0.00325 up to 10M.
  const bands: [number, number][] = [
    [10_000, 0],
    [100_000, 0.0055],
    [1_000_000, 0.0046],
    [10_000_000, 0.00325],
  ];
  let total = 0;
  let from = 0;
  for (const [to, price] of bands) {
    total += Math.max(0, Math.min(mau, to) - from) * price;
    from = to;
  }
  return total;
}

/** Our monthly $ for `mau` users under the profile, from the measured $ per 1M of each operation. */
export function ourMonthly(mau: number, dollarsPerMillion: Record<string, number>, profile = PROFILE): number {
  let total = 0;
  for (const [operation, count] of Object.entries(profile.perUser)) {
    const price = dollarsPerMillion[operation];
    if (price === undefined) throw new Error(`no measured cost for ${operation}`);
    total += (mau * count * price) / 1e6;
  }
  return total + ((mau * STORED_BYTES_PER_USER) / 2 ** 30) * PRICES.dynamodbStorageGbMonth;
}

export function monthlyRows(dollarsPerMillion: Record<string, number>, sizes = [10_000, 100_000, 1_000_000]): MonthlyRow[] {
  return sizes.map((mau) => ({
    mau,
    ours: ourMonthly(mau, dollarsPerMillion),
    cognitoLite: cognitoMonthly("lite", mau),
    cognitoEssentials: cognitoMonthly("essentials", mau),
    cognitoPlus: cognitoMonthly("plus", mau),
  }));
}
