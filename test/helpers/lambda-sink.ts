// A stand-in for Lambda's asynchronous Invoke API (POST /2015-03-31/functions/<name>/invocations),
// for tests and benchmarks that run handlers in process: it accepts each job with Lambda's
// 202 and keeps it, so that a test can hand it to the mailer itself (lib/mail/mailer.ts).
// End-to-end tests use serverless offline's real Lambda port instead.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LambdaSink {
  url: string;
  stop(): Promise<void>;
}

export async function startLambdaSink(): Promise<LambdaSink> {
  const jobs: unknown[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (request.method === "POST" && /^\/2015-03-31\/functions\/[^/]+\/invocations/.test(request.url ?? "")) {
        jobs.push(JSON.parse(body));
        response.writeHead(request.headers["x-amz-invocation-type"] === "Event" ? 202 : 400).end();
      } else if (request.method === "GET" && request.url === "/jobs") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(jobs));
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The jobs the sink at `url` has taken, oldest first. */
export async function sinkJobs(url: string): Promise<any[]> {
  return (await (await fetch(`${url}/jobs`)).json()) as any[];
}
