/**
 * The OpenAPI 3.1 document, generated from the contract's two single sources: the registry of
 * named schemas (registry.ts: every component, once) and the list of operations (operations/:
 * every route, once, which the server also registers its routes from). `write.ts` commits it under
 * `openapi/` and `npm run check` fails when the committed copy drifts.
 */
import { z } from 'zod';
import { OPERATIONS, type Surface } from '../operations/index.ts';
import type { Content, Operation } from '../operations/operation.ts';
import { componentId, contractSchemas } from '../registry.ts';
import { RUNNER_PROTOCOL_VERSION } from '../runner.ts';

type JsonObject = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';
const ref = (id: string) => ({ $ref: `${COMPONENTS}${id}` });

/**
 * Every registered schema, in its input form: what a client must send, and for answers a schema
 * every answer satisfies (a field with a default is optional here and always present in answers).
 * One form per name, so nothing is defined twice.
 */
function componentSchemas(): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(contractSchemas, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `${COMPONENTS}${id}`,
  }) as { schemas: Record<string, JsonObject> };
  if ('__shared' in schemas) {
    // zod puts a schema there when it carries an id of zod's global registry instead of ours.
    throw new Error(`schemas outside the contract registry: ${Object.keys(schemas.__shared?.$defs ?? {}).join()}`);
  }
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

function mediaType(op: Operation, content: Content, components: Record<string, JsonObject>): JsonObject {
  if (content instanceof z.ZodType) {
    const id = componentId(content);
    if (!id) throw new Error(`${op.id}: a body or answer schema that is not in the contract registry`);
    return { schema: ref(id) };
  }
  switch (content.kind) {
    case 'binary':
      return { schema: { type: 'string', format: 'binary' } };
    case 'text':
      return { schema: { type: 'string' }, example: content.example };
    case 'form': {
      // The JSON body's fields as text parts, each pointing at the field of the JSON schema, and
      // the file part where the JSON body has a reference (if at all).
      const id = componentId(content.schema);
      const json = id ? components[id] : undefined;
      if (!id || !json) throw new Error(`${op.id}: a form of a schema that is not in the contract registry`);
      const names = Object.keys((json.properties ?? {}) as JsonObject);
      const properties: JsonObject = Object.fromEntries(
        names
          .filter((name) => name !== content.file)
          .map((name) => [name, { $ref: `${COMPONENTS}${id}/properties/${name}` }]),
      );
      properties[content.file] = { type: 'string', format: 'binary' };
      const required = ((json.required ?? []) as string[]).filter((name) => name !== content.file);
      return { schema: { type: 'object', properties, ...(required.length ? { required } : {}) } };
    }
  }
}

const contentOf = (op: Operation, content: Record<string, Content>, components: Record<string, JsonObject>) =>
  Object.fromEntries(Object.entries(content).map(([type, inner]) => [type, mediaType(op, inner, components)]));

/** One OpenAPI parameter per property of a params, query or headers object (never a component). */
function parameters(where: 'path' | 'query' | 'header', object: z.ZodObject | undefined): JsonObject[] {
  if (!object) return [];
  const json = z.toJSONSchema(object, { target: 'draft-2020-12', io: 'input' }) as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, { description, ...schema }]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    ...(description === undefined ? {} : { description }),
    schema,
  }));
}

const SECURITY = { accessKey: [{ bearer: [] }], runnerToken: [{ runnerToken: [] }] } as const;

const TAGS: Record<Surface, { name: string; description: string }> = {
  seed: { name: 'Tasks', description: 'The seed API: submit, poll, cancel and list tasks, live progress' },
  uploads: { name: 'Uploads', description: 'A local file becomes a URL the submit operations accept' },
  media: { name: 'Media', description: 'Results behind signed URLs (the mediaUrl of a task)' },
  runner: {
    name: 'Runner protocol',
    description: `How GPU runners pull tasks and hand results back, protocol version ${RUNNER_PROTOCOL_VERSION} (docs/runner-protocol.md). Runner tokens only.`,
  },
  openai: { name: 'OpenAI-compatible', description: 'The OpenAI Videos API shape (docs/openai-api.md)' },
};

function operationObject(op: Operation, components: Record<string, JsonObject>): JsonObject {
  const params = [
    ...parameters('path', op.params),
    ...parameters('query', op.query),
    ...parameters('header', op.headers),
  ];
  return {
    operationId: op.id,
    tags: [TAGS[op.surface].name],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.security ? { security: SECURITY[op.security] } : {}),
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? { requestBody: { required: op.body.required, content: contentOf(op, op.body.content, components) } }
      : {}),
    responses: Object.fromEntries(
      Object.entries(op.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(response.content ? { content: contentOf(op, response.content, components) } : {}),
        },
      ]),
    ),
  };
}

export function buildOpenApiDocument(operations: readonly Operation[] = OPERATIONS): JsonObject {
  const components = componentSchemas();
  const paths: Record<string, JsonObject> = {};
  const ids = new Set<string>();
  for (const op of operations) {
    if (ids.has(op.id)) throw new Error(`operationId ${op.id} is used twice`);
    ids.add(op.id);
    paths[op.path] ??= {};
    const item = paths[op.path] as JsonObject;
    const method = op.method.toLowerCase();
    if (method in item) throw new Error(`${op.method} ${op.path} is defined twice`);
    item[method] = operationObject(op, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vidforge video API',
      version: '1.0.0',
      description:
        'Asynchronous video generation compatible with the MaaS Haiper Video API: submit a task, poll it, download the signed media URL. The same tasks are served in the shape of the OpenAI Videos API under /v1/videos, and GPU runners pull them through the runner protocol under /v1/runner. Paths are absolute: the server URL is the origin (plus any prefix a proxy adds).',
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: Object.values(TAGS),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Access key' },
        runnerToken: { type: 'http', scheme: 'bearer', description: 'Runner token (vfr_…), never an access key' },
      },
      schemas: components,
    },
    paths,
  };
}
