/**
 * The one registry of named wire schemas. Every schema that appears in the OpenAPI document as a
 * component is registered here exactly once, under the name the document gives it; everything
 * else (paths, operations, other components) refers to it by `$ref`. A second registration of a
 * name throws at import time, so a schema cannot be defined twice under one name.
 */
import { z } from 'zod';

export type ComponentMeta = { id: string };

export const contractSchemas = z.registry<ComponentMeta>();

const byId = new Map<string, z.ZodType>();

/**
 * Registers `schema` as the component `id`. The description (if any) is kept in zod's global
 * metadata, where `.describe()` puts field descriptions, so the generator emits both alike.
 */
export function component<T extends z.ZodType>(id: string, schema: T, meta: { description?: string } = {}): T {
  if (byId.has(id)) throw new Error(`the contract schema ${id} is registered twice`);
  const named = (meta.description === undefined ? schema : schema.meta({ description: meta.description })) as T;
  contractSchemas.add(named, { id });
  byId.set(id, named);
  return named;
}

/** The component name of a registered schema, undefined for an anonymous one. */
export function componentId(schema: z.ZodType): string | undefined {
  return contractSchemas.get(schema)?.id;
}
