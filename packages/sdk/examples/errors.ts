import {
  APIError,
  AuthenticationError,
  type GenerateRequestInput,
  InvalidRequestError,
  NotFoundError,
  RateLimitError,
  Vidforge,
} from '@vidforge/sdk';

const client = new Vidforge({
  baseUrl: process.env.VIDFORGE_BASE_URL ?? 'http://localhost:8080/v1/ai',
  endpointPath: process.env.VIDFORGE_ENDPOINT ?? 'YOUR_ENDPOINT_PATH',
  accessKey: process.env.VIDFORGE_ACCESS_KEY ?? 'YOUR_ACCESS_KEY',
});

// Data from outside TypeScript's reach, e.g. a form: 3 is not an allowed duration.
const fromForm = JSON.parse('{"prompt": "A red kite", "settings": {"duration": 3}}') as GenerateRequestInput;

try {
  await client.generate(fromForm);
} catch (error) {
  if (error instanceof InvalidRequestError) {
    console.error(`rejected, no task created; fix ${error.fields.join(', ')}: ${error.message}`);
  } else if (error instanceof AuthenticationError) {
    console.error('the access key is wrong or revoked');
  } else if (error instanceof NotFoundError) {
    console.error('unknown endpointPath for this key');
  } else if (error instanceof RateLimitError) {
    console.error(`rate limited; retry in ${error.retryAfterMs ?? 1000} ms`);
  } else if (error instanceof APIError) {
    console.error(`${error.status ?? 'no response'} ${error.code}: ${error.message} (request ${error.requestId})`);
  } else {
    throw error;
  }
}
