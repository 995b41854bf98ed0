/**
 * The OpenAI-compatible Videos API in the OpenAPI document: its own server (`/v1`), the same
 * Bearer access keys, and OpenAI-shaped errors (docs/openai-api.md).
 */
type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const servers = [{ url: '/v1', description: 'OpenAI-compatible API (docs/openai-api.md)' }];
const security = [{ bearer: [] }];

const ERRORS: Record<string, string> = {
  '400': 'invalid_request_error: a bad field (param names it), a size or length the model cannot make',
  '401': 'invalid_api_key',
  '404': 'video_not_found, or no such route',
  '409': 'video_not_completed (remix, extension or download of an unfinished video)',
  '413': 'a file or field over its limit, too many parts',
  '415': 'neither JSON nor multipart/form-data',
  '500': 'server_error',
  '503': 'service_unavailable, queue_full (with Retry-After)',
};

const errors = (...statuses: string[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: ERRORS[status], content: json('OpenAiError') }]));

const videoIdParam = { name: 'video_id', in: 'path', required: true, schema: { type: 'string' } };
const idempotencyKeyParam = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'As on the seed API: the same key and body give the same video for 24 h',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

/** The multipart form the SDKs send: the JSON fields as text, `input_reference` (or `video`) a file. */
function form(schema: string, fileField: string): JsonObject {
  return {
    'application/json': { schema: ref(schema) },
    'multipart/form-data': {
      schema: {
        allOf: [ref(schema)],
        properties: { [fileField]: { type: 'string', format: 'binary' } },
      },
    },
  };
}

const queryParams = (schema: JsonObject) =>
  Object.entries((schema as { properties: Record<string, JsonObject> }).properties).map(([name, inner]) => ({
    name,
    in: 'query',
    required: false,
    schema: inner,
  }));

const videoOut = { '200': { description: 'The video', content: json('OpenAiVideo') } };

export function openAiPaths(components: Record<string, JsonObject>): Record<string, JsonObject> {
  return {
    '/videos': {
      servers,
      post: {
        summary: 'Create a video (a generate task); input_reference is an uploaded image or {image_url}',
        security,
        parameters: [idempotencyKeyParam],
        requestBody: { required: true, content: form('OpenAiCreateVideoRequest', 'input_reference') },
        responses: { ...videoOut, ...errors('400', '401', '413', '415', '500', '503') },
      },
      get: {
        summary: "List the key's videos (cursor `after` = the last id of the previous page)",
        security,
        parameters: queryParams(components.OpenAiListVideosQuery!),
        responses: {
          '200': { description: 'A page of videos', content: json('OpenAiVideoList') },
          ...errors('400', '401', '500'),
        },
      },
    },
    '/videos/{video_id}': {
      servers,
      get: {
        summary: 'Retrieve a video',
        security,
        parameters: [videoIdParam],
        responses: { ...videoOut, ...errors('401', '404', '500') },
      },
      delete: {
        summary: 'Delete a video: cancels it when unfinished, deletes its result and previews',
        security,
        parameters: [videoIdParam],
        responses: {
          '200': { description: 'Deleted', content: json('OpenAiVideoDeleted') },
          ...errors('401', '404', '500'),
        },
      },
    },
    '/videos/{video_id}/content': {
      servers,
      get: {
        summary: 'Download the video (MP4, Range supported), its thumbnail (WebP) or spritesheet (JPEG)',
        security,
        parameters: [videoIdParam, ...queryParams(components.OpenAiContentQuery!)],
        responses: {
          '200': {
            description: 'The bytes',
            content: {
              'video/mp4': { schema: { type: 'string', format: 'binary' } },
              'image/webp': { schema: { type: 'string', format: 'binary' } },
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
            },
          },
          '206': { description: 'A range of the video' },
          '410': { description: 'video_expired: past retention', content: json('OpenAiError') },
          ...errors('400', '401', '404', '409', '500'),
        },
      },
    },
    '/videos/{video_id}/remix': {
      servers,
      post: {
        summary: "Remix a completed video: the original's settings with a new prompt",
        security,
        parameters: [videoIdParam, idempotencyKeyParam],
        requestBody: { required: true, content: json('OpenAiRemixVideoRequest') },
        responses: { ...videoOut, ...errors('400', '401', '404', '409', '500', '503') },
      },
    },
    '/videos/extensions': {
      servers,
      post: {
        summary: 'Extend a completed video ({"id"}) or an uploaded one by `seconds`; the result is the whole video',
        security,
        parameters: [idempotencyKeyParam],
        requestBody: { required: true, content: form('OpenAiExtendVideoRequest', 'video') },
        responses: { ...videoOut, ...errors('400', '401', '404', '409', '413', '415', '500', '503') },
      },
    },
    '/models': {
      servers,
      get: {
        summary: 'The models (endpoints) this key may use',
        security,
        responses: {
          '200': { description: 'The models', content: json('OpenAiModelList') },
          ...errors('401', '500'),
        },
      },
    },
  };
}
