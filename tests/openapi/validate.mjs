// validate.mjs — checks the OpenAPI document with @apidevtools/swagger-parser: the OpenAPI 3.1
// schema, then every $ref resolved and the spec's own rules (unique operationIds, path
// parameters declared...). Usage: node validate.mjs openapi.json
import SwaggerParser from "@apidevtools/swagger-parser";
import { readFileSync } from "node:fs";

const file = process.argv[2];
const doc = JSON.parse(readFileSync(file, "utf8"));
try {
  const api = await SwaggerParser.validate(doc);
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths).length} paths`);
} catch (e) {
  console.error(`${file}: ${e.message}`);
  if (e.details) console.error(JSON.stringify(e.details, null, 1).slice(0, 4000));
  process.exit(1);
}
