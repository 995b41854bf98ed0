/** The endpoints and key every bench server gets; fixed so a restarted server on the same data works. */
export const BENCH_ACCESS = {
  testEndpoint: 'benchtest',
  previewEndpoint: 'benchpreview',
  key: 'bench_key_0123456789abcdefghij',
} as const;
