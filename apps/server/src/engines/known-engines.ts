/** Engine names an endpoint may name; `test` is added only where the test engine is enabled. */
export const KNOWN_ENGINES: readonly string[] = ['preview'];
