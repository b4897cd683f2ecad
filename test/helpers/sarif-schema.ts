import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';

const SCHEMA = path.join(import.meta.dirname, '..', '..', 'node_modules', '@microsoft', 'sarif-multitool-linux', 'sarif-2.1.0.json');

// RFC 3339 date-time, RFC 4122 UUID: what the schema's `format` keywords mean.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function isUri(s: string): boolean {
  if (/\s/.test(s) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function isUriReference(s: string): boolean {
  if (/\s/.test(s)) return false;
  try {
    new URL(s, 'file:///base/');
    return true;
  } catch {
    return false;
  }
}

/**
 * A validator for the official SARIF 2.1.0 schema shipped with the SARIF multitool (JSON Schema
 * draft 2020-12). Ajv knows no `format` values without the ajv-formats package, which is not
 * installed; instead of turning format checks off, the four formats the schema uses are checked
 * here (uri, uri-reference, date-time, uuid). Ajv runs in its default strict mode: nothing else is relaxed.
 */
export function sarifValidator(): (doc: unknown) => ErrorObject[] {
  const ajv = new Ajv2020({ allErrors: true });
  ajv.addFormat('uri', isUri);
  ajv.addFormat('uri-reference', isUriReference);
  ajv.addFormat('date-time', (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('uuid', (s: string) => UUID.test(s));
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  return (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}
