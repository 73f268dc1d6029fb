// Checks a service's answers against the OpenAPI document it publishes (ajv, JSON Schema 2020-12):
// the status must be documented for the route, and the body must match the schema documented for it.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

/** `check(method, route, status, contentType, body)`; `route` is the path as the document writes it. */
export function answerChecker(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema(doc, 'openapi.json');
  return (method: string, route: string, status: number, contentType: string, body: unknown): void => {
    const m = method.toLowerCase();
    const type = contentType.split(';')[0]!;
    const responses = doc.paths[route]?.[m]?.responses;
    expect(responses, `${method} ${route} is in the document`).toBeDefined();
    expect(Object.keys(responses!), `${method} ${route} documents ${status}`).toContain(String(status));
    const escaped = route.replace(/~/g, '~0').replace(/\//g, '~1');
    const pointer = `openapi.json#/paths/${escaped}/${m}/responses/${status}/content/${type.replace(/\//g, '~1')}/schema`;
    const validate = ajv.getSchema(pointer);
    expect(validate, `the document describes ${status} ${type} of ${method} ${route}`).toBeDefined();
    expect(validate!(body) ? [] : validate!.errors, `${method} ${route} ${status}`).toEqual([]);
  };
}
