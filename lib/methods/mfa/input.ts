/** The bodies of the second-factor routes: the second step of signin, and the management routes that take a current code. */
import { checker } from "../../http/checker.js";
import { SECOND_FACTORS, type SecondFactor } from "./second-factor.js";

/** Long enough for any code as typed (a recovery code with spaces), short enough to reject garbage early. */
export const CODE_MAX = 32;

export interface SecondStepInput {
  mfaToken: string;
  factor: SecondFactor;
  code: string;
}

export function parseSecondStep(body: unknown): SecondStepInput {
  const c = checker(body);
  const mfaToken = c.string("mfaToken", { required: true, max: 128 });
  const factor = c.string("factor", { required: true, max: 32 });
  const code = c.string("code", { required: true, max: CODE_MAX });
  if (factor !== undefined && !SECOND_FACTORS.includes(factor as SecondFactor)) c.problem("factor", `must be one of ${SECOND_FACTORS.join(", ")}`);
  c.done();
  return { mfaToken: mfaToken!, factor: factor as SecondFactor, code: code! };
}

/** `{ "code" }`: a current TOTP code (or, where the route allows it, a recovery code). */
export function parseCode(body: unknown): { code: string } {
  const c = checker(body);
  const code = c.string("code", { required: true, max: CODE_MAX });
  c.done();
  return { code: code! };
}
