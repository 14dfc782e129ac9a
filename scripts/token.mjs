#!/usr/bin/env node
// npm run token -- --org <org> --role <admin|teacher|support> [--sub <id>] [--ttl <hours>]
// Prints a HS256 JWT signed with JWT_SECRET from .dev.vars, alone on the last line.
import { parseArgs } from "node:util";
import { makeToken, ORG_PATTERN, ROLES } from "./lib/jwt.mjs";

const USAGE = `Usage: npm run token -- --org <org> --role <admin|teacher|support> [--sub <id>] [--ttl <hours>]

  --org   school id, [A-Za-z0-9_-]{1,64} (e.g. demo)
  --role  admin | teacher | support
  --sub   user id (default: <org>-<role>)
  --ttl   lifetime in hours (default 12)

Prints a token accepted by the local dev server (signed with JWT_SECRET from .dev.vars).`;

function fail(message) {
  console.error(`error: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      org: { type: "string" },
      role: { type: "string" },
      sub: { type: "string" },
      ttl: { type: "string", default: "12" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  fail(e.message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.org === undefined) fail("--org is required.");
if (!ORG_PATTERN.test(values.org)) fail(`--org ${JSON.stringify(values.org)} is not a valid school id: use 1-64 letters, digits, _ or -.`);
if (values.role === undefined) fail("--role is required.");
if (!ROLES.includes(values.role)) fail(`--role ${JSON.stringify(values.role)} is not one of ${ROLES.join(", ")}.`);
if (values.sub !== undefined && (values.sub.length < 1 || values.sub.length > 256)) fail("--sub must be 1-256 characters.");
const ttl = Number(values.ttl);
if (!/^\d+(\.\d+)?$/.test(values.ttl.trim()) || !(ttl > 0) || ttl > 24 * 366)
  fail(`--ttl ${JSON.stringify(values.ttl)} must be a number of hours between 0 and 8784.`);

try {
  console.log(await makeToken({ org: values.org, role: values.role, sub: values.sub, ttlHours: ttl }));
} catch (e) {
  console.error(`error: ${e.message}`);
  process.exit(1);
}
