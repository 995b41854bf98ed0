/**
 * `model` of the OpenAI-compatible API is one of the endpoints the key may use, named by its name
 * or its endpointPath (GET /v1/models lists them). A key with exactly one endpoint may leave it out.
 */
import type { OpenAiModel } from '@vidforge/contract';
import type { EndpointRecord } from '../../ports/access-store.ts';
import { invalidParam, OpenAiError } from './openai-errors.ts';

/** The id an endpoint is listed under: its name when it has one, else its path. */
export const modelIdOf = (endpoint: EndpointRecord) => endpoint.name ?? endpoint.path;

export function toModel(endpoint: EndpointRecord): OpenAiModel {
  return {
    id: modelIdOf(endpoint),
    object: 'model',
    created: Math.floor(endpoint.createdAt / 1000),
    owned_by: 'vidforge',
  };
}

export function resolveModel(endpoints: readonly EndpointRecord[], model: string | undefined): EndpointRecord {
  const listed = endpoints.map(modelIdOf).join(', ');
  if (endpoints.length === 0) {
    throw new OpenAiError(403, 'This API key may not use any model', { type: 'permission_error', code: 'no_models' });
  }
  if (model === undefined) {
    if (endpoints.length === 1) return endpoints[0]!;
    throw invalidParam(
      'model',
      `model is required: this API key may use several models (${listed})`,
      'missing_required_parameter',
    );
  }
  const byPath = endpoints.find((endpoint) => endpoint.path === model);
  if (byPath) return byPath;
  const byName = endpoints.filter((endpoint) => endpoint.name === model);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) {
    throw invalidParam(
      'model',
      `Several models are named "${model}"; use one's endpointPath instead`,
      'ambiguous_model',
    );
  }
  throw invalidParam(
    'model',
    `The model "${model.slice(0, 200)}" does not exist or this API key may not use it; available: ${listed}`,
    'model_not_found',
  );
}
