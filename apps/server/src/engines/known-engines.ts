/** Engine names an endpoint may name (`runner`: remote runners of settings.family); `test` is added only where the test engine is enabled. */
export const KNOWN_ENGINES: readonly string[] = ['preview', 'runner'];
