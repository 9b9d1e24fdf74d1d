// Validates JSON documents against JSON Schemas for the integration tests, many
// in one node process: what `ajv validate --spec=draft2020 -c ajv-formats
// --strict=false --all-errors -s SCHEMA -d DATA` (ajv-cli) does for one document
// -- the same Ajv class, options, meta-schema and formats, a fresh Ajv for each
// schema as there -- without starting node and loading ajv for each document.
// In: one JSON object a line, {"schema": {...}, "data": ...}.
// Out: one JSON object a line, {"valid": true} or {"valid": false, "errors": [...]}.
"use strict";
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats");
const draft6 = require("ajv/lib/refs/json-schema-draft-06.json");
const readline = require("readline");

const compiled = new Map(); // the schema's text -> its validate function

function validator(schema) {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    const ajv = new Ajv2020({ code: {}, strict: false, allErrors: true });
    ajv.addMetaSchema(draft6);
    addFormats(ajv);
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let out;
  try {
    const { schema, data } = JSON.parse(line);
    const validate = validator(schema);
    out = validate(data) ? { valid: true } : { valid: false, errors: validate.errors };
  } catch (e) {
    out = { valid: false, errors: [{ message: "ajv_lines: " + e.message }] };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
