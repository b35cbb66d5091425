// Per-invocation cost of the HTTP handler stack (middy + our middlewares) on
// a trivial route, against the bare handler and an Express app behind
// serverless-http answering the same event.
import express from "express";
import serverlessHttp from "serverless-http";
import { publicMessage } from "../functions/messages.js";
import { logger } from "../lib/platform/logger.js";
import { apiEvent, lambdaContext } from "../test/helpers/events.js";
import { compareOpsPerSecond, fmt } from "./measure.js";
import type { Section } from "./run.js";

const event = apiEvent({ headers: { Origin: "http://localhost:4040", Accept: "application/json" } });
const context = lambdaContext;

export async function run(): Promise<Section> {
  const bare = async () => ({
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text: "This is a public message." }),
  });
  const app = express();
  app.get("/messages/public", (_req, res) => void res.json({ text: "This is a public message." }));
  const expressHandler = serverlessHttp(app);

  // The stack's log line per request is part of its cost (written to a discarded stdout).
  // "silent" is the same stack with that line switched off, to show what the line costs.
  // The level changes once per round (the rounds interleave), not on every call.
  const withLevel = (level: string) => () => {
    if (logger.level !== level) logger.level = level;
    return publicMessage(event, context);
  };
  const ops = await compareOpsPerSecond({
    bare: () => bare(),
    stack: withLevel("info"),
    silent: withLevel("silent"),
    express: () => expressHandler(event, context),
  });
  logger.level = "info";
  const { bare: bareOps, stack: stackOps, silent: silentOps, express: expressOps } = ops;
  const us = (ops: number) => 1e6 / ops;
  const stackCost = us(stackOps) - us(bareOps);
  const share = stackCost / us(expressOps);
  return {
    title: "HTTP handler stack overhead",
    lines: [
      "| handler | µs per invocation | ratio to Express |",
      "|---|---:|---:|",
      `| bare handler | ${fmt(us(bareOps), 2)} | ${fmt(us(bareOps) / us(expressOps), 3)} |`,
      `| our middy stack (CORS, security headers, JSON errors, access log line) | ${fmt(us(stackOps), 2)} | ${fmt(us(stackOps) / us(expressOps), 3)} |`,
      `| the same stack with its access log line switched off | ${fmt(us(silentOps), 2)} | ${fmt(us(silentOps) / us(expressOps), 3)} |`,
      `| Express 5 behind serverless-http | ${fmt(us(expressOps), 2)} | 1.000 |`,
      "",
      `The stack costs ${fmt(stackCost, 2)} µs over the bare handler: ${fmt(share * 100, 1)}% of the Express path.`,
      `Of that, the structured access log line (pino, written synchronously as Lambda requires) is`,
      `${fmt(us(stackOps) - us(silentOps), 2)} µs; the Express app here logs nothing.`,
    ],
    goals: [{ text: "stack overhead ≤ 10% of the Express path", met: share <= 0.1, value: `${fmt(share * 100, 1)}%` }],
  };
}
