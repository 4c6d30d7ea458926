/**
 * The Hono environment every StemeDB route and middleware shares: what a request
 * carries through the middleware chain. Only src/http imports Hono.
 */
export interface HttpEnv {
  Variables: {
    /** The request id echoed in `X-Request-Id` and in every problem document. */
    requestId: string;
  };
}
