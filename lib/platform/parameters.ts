/**
 * One SSM parameter read through a single signed call (aws-json.ts, no SDK
 * client: it keeps the authorizer's cold start small), decrypted when it is a
 * SecureString. Callers keep the value for the container's life.
 */
import { awsJson } from "./aws-json.js";

export async function readParameter(name: string): Promise<string> {
  const { Parameter } = await awsJson<{ Parameter?: { Value?: string } }>({
    service: "ssm",
    target: "AmazonSSM.GetParameter",
    jsonVersion: "1.1",
    body: { Name: name, WithDecryption: true },
  });
  if (!Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
  return Parameter.Value;
}
