/**
 * The document's shape rules: every schema is a component defined once and referenced by name,
 * every component is used, every operation is in the document with its parameters.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  component,
  contractSchemas,
  GenerateRequest,
  OPERATIONS,
  RUNNER_PROTOCOL_VERSION,
  RunnerClaimResponse,
  RunnerTask,
} from '../src/index.ts';
import { buildOpenApiDocument } from '../src/openapi/document.ts';

type Json = Record<string, unknown>;
const document = buildOpenApiDocument() as {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
};
const schemas = document.components.schemas;

/** Every object schema anywhere under `value` with its path, components' own roots excluded. */
function objectSchemas(value: unknown, where: string, out: { where: string; keys: string }[] = []) {
  if (Array.isArray(value)) {
    for (const [i, inner] of value.entries()) objectSchemas(inner, `${where}/${i}`, out);
  } else if (value && typeof value === 'object') {
    const record = value as Json;
    if (record.type === 'object' && record.properties) {
      out.push({ where, keys: Object.keys(record.properties as Json).join() });
    }
    for (const [key, inner] of Object.entries(record)) objectSchemas(inner, `${where}/${key}`, out);
  }
  return out;
}

describe('the registry', () => {
  it('refuses a second schema under a name it has', () => {
    expect(() => component('GenerateRequest', z.object({}))).toThrow(/registered twice/);
  });

  it('is what the document lists as components, and every component is referenced', () => {
    expect(contractSchemas.get(GenerateRequest)?.id).toBe('GenerateRequest');
    const text = JSON.stringify(document);
    const unused = Object.keys(schemas).filter((id) => !text.includes(`"#/components/schemas/${id}"`));
    expect(unused).toEqual([]);
  });

  it('defines nothing twice: no component is copied inline into another or into a path', () => {
    const roots = Object.entries(schemas).flatMap(([id, schema]) =>
      schema.type === 'object' && schema.properties
        ? [{ id, keys: Object.keys(schema.properties as Json).join() }]
        : [],
    );
    const inline = [
      ...Object.entries(schemas).flatMap(([id, schema]) =>
        objectSchemas(schema, id).filter((found) => found.where !== id),
      ),
      ...objectSchemas(document.paths, 'paths'),
    ];
    const copies = inline.flatMap((found) =>
      roots.filter((root) => root.keys === found.keys).map((root) => `${root.id} copied at ${found.where}`),
    );
    expect(copies).toEqual([]);
  });
});

describe('the operations', () => {
  it('are all in the document, each with an operationId, its path parameters and its answers', () => {
    for (const op of OPERATIONS) {
      const item = document.paths[op.path]?.[op.method.toLowerCase()] as
        | { operationId: string; parameters?: { name: string; in: string }[]; responses: Json }
        | undefined;
      expect(item, `${op.method} ${op.path}`).toBeDefined();
      expect(item!.operationId).toBe(op.id);
      const inPath = (item!.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(inPath).toEqual([...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]));
      expect(Object.keys(item!.responses)).toContain('200');
    }
    const documented = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(documented).toBe(OPERATIONS.length);
  });

  it('RunnerTask is discriminated by type, each variant with the request of its type', () => {
    const task = schemas.RunnerTask as { oneOf: Json[]; discriminator: { propertyName: string; mapping: Json } };
    expect(task.discriminator.propertyName).toBe('type');
    expect(task.discriminator.mapping).toEqual({
      generate: '#/components/schemas/RunnerGenerateTask',
      upscale: '#/components/schemas/RunnerUpscaleTask',
      extend: '#/components/schemas/RunnerExtendTask',
    });
    for (const [variant, request] of [
      ['RunnerGenerateTask', 'GenerateRequest'],
      ['RunnerUpscaleTask', 'UpscaleRequest'],
      ['RunnerExtendTask', 'ExtendRequest'],
    ] as const) {
      const properties = schemas[variant]!.properties as Record<string, Json>;
      expect(properties.request).toMatchObject({ $ref: `#/components/schemas/${request}` });
    }
    // The zod schema tells the shapes apart too: a generate task with an upscale request is refused.
    const base = {
      taskId: 't',
      engine: 'preview',
      attempt: 1,
      leaseToken: 'l',
      leaseExpiresAt: 1,
      heartbeatIntervalMs: 1,
      deadlineAt: 1,
      seed: null,
      endpointSettings: {},
      source: null,
      output: { contentType: 'video/mp4', maxBytes: 1 },
    };
    const upscale = { config: { sourceVideo: 'https://example.com/a.mp4' } };
    expect(RunnerTask.safeParse({ ...base, type: 'upscale', request: upscale }).success).toBe(true);
    expect(RunnerTask.safeParse({ ...base, type: 'generate', request: upscale }).success).toBe(false);
  });

  it('a claim states the protocol version', () => {
    const claim = schemas.RunnerClaimResponse as { required: string[] };
    expect(claim.required).toContain('protocolVersion');
    expect(RunnerClaimResponse.parse({ protocolVersion: RUNNER_PROTOCOL_VERSION, task: null })).toEqual({
      protocolVersion: 1,
      task: null,
    });
  });
});
