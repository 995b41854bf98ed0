/**
 * The OpenAI-compatible Videos API under `/v1` (docs/openai-api.md): the same Bearer access keys,
 * OpenAI-shaped errors.
 */
import { z } from 'zod';
import {
  OPENAI_BASE_PATH,
  OpenAiContentQuery,
  OpenAiCreateVideoRequest,
  OpenAiExtendVideoRequest,
  OpenAiListVideosQuery,
  OpenAiModelList,
  OpenAiRemixVideoRequest,
  OpenAiVideo,
  OpenAiVideoDeleted,
  OpenAiVideoList,
} from '../openai.ts';
import { BINARY, form, headerText, jsonBody, ok, openAiErrors, operation } from './operation.ts';

const videoParams = z.object({ video_id: z.string().describe('The id of a video (a task id)') });
const idempotencyHeaders = z.object({
  'Idempotency-Key': headerText('As on the seed API: the same key and body give the same video for 24 h').optional(),
});
const video = ok('The video', OpenAiVideo);

export const createVideo = operation({
  id: 'createVideo',
  method: 'POST',
  path: `${OPENAI_BASE_PATH}/videos`,
  surface: 'openai',
  summary: 'Create a video (a generate task); input_reference is an uploaded image or {image_url}',
  security: 'accessKey',
  headers: idempotencyHeaders,
  body: {
    required: true,
    content: {
      'application/json': OpenAiCreateVideoRequest,
      'multipart/form-data': form(OpenAiCreateVideoRequest, 'input_reference'),
    },
  },
  responses: { ...video, ...openAiErrors('400', '401', '413', '415', '429', '500', '503') },
});

export const listVideos = operation({
  id: 'listVideos',
  method: 'GET',
  path: `${OPENAI_BASE_PATH}/videos`,
  surface: 'openai',
  summary: "List the key's videos (cursor `after` = the last id of the previous page)",
  security: 'accessKey',
  query: OpenAiListVideosQuery,
  responses: { ...ok('A page of videos', OpenAiVideoList), ...openAiErrors('400', '401', '429', '500') },
});

export const retrieveVideo = operation({
  id: 'retrieveVideo',
  method: 'GET',
  path: `${OPENAI_BASE_PATH}/videos/{video_id}`,
  surface: 'openai',
  summary: 'Retrieve a video',
  security: 'accessKey',
  params: videoParams,
  responses: { ...video, ...openAiErrors('401', '404', '429', '500') },
});

export const deleteVideo = operation({
  id: 'deleteVideo',
  method: 'DELETE',
  path: `${OPENAI_BASE_PATH}/videos/{video_id}`,
  surface: 'openai',
  summary: 'Delete a video: cancels it when unfinished, deletes its result and previews',
  security: 'accessKey',
  params: videoParams,
  responses: { ...ok('Deleted', OpenAiVideoDeleted), ...openAiErrors('401', '404', '429', '500') },
});

export const downloadVideoContent = operation({
  id: 'downloadVideoContent',
  method: 'GET',
  path: `${OPENAI_BASE_PATH}/videos/{video_id}/content`,
  surface: 'openai',
  summary: 'Download the video (MP4, Range supported), its thumbnail (WebP) or spritesheet (JPEG)',
  security: 'accessKey',
  params: videoParams,
  query: OpenAiContentQuery,
  responses: {
    '200': { description: 'The bytes', content: { 'video/mp4': BINARY, 'image/webp': BINARY, 'image/jpeg': BINARY } },
    '206': { description: 'A range of the video', content: { 'video/mp4': BINARY } },
    ...openAiErrors('400', '401', '404', '409', '410', '429', '500'),
  },
});

export const remixVideo = operation({
  id: 'remixVideo',
  method: 'POST',
  path: `${OPENAI_BASE_PATH}/videos/{video_id}/remix`,
  surface: 'openai',
  summary: "Remix a completed video: the original's settings with a new prompt",
  security: 'accessKey',
  params: videoParams,
  headers: idempotencyHeaders,
  body: jsonBody(OpenAiRemixVideoRequest),
  responses: { ...video, ...openAiErrors('400', '401', '404', '409', '429', '500', '503') },
});

export const extendVideo = operation({
  id: 'extendVideo',
  method: 'POST',
  path: `${OPENAI_BASE_PATH}/videos/extensions`,
  surface: 'openai',
  summary: 'Extend a completed video ({"id"}) or an uploaded one by `seconds`; the result is the whole video',
  security: 'accessKey',
  headers: idempotencyHeaders,
  body: {
    required: true,
    content: {
      'application/json': OpenAiExtendVideoRequest,
      'multipart/form-data': form(OpenAiExtendVideoRequest, 'video'),
    },
  },
  responses: { ...video, ...openAiErrors('400', '401', '404', '409', '413', '415', '429', '500', '503') },
});

export const listModels = operation({
  id: 'listModels',
  method: 'GET',
  path: `${OPENAI_BASE_PATH}/models`,
  surface: 'openai',
  summary: 'The models (endpoints) this key may use',
  security: 'accessKey',
  responses: { ...ok('The models', OpenAiModelList), ...openAiErrors('401', '429', '500') },
});

export const OPENAI_OPERATIONS = [
  createVideo,
  listVideos,
  retrieveVideo,
  deleteVideo,
  downloadVideoContent,
  remixVideo,
  extendVideo,
  listModels,
] as const;
