/**
 * Keep-alive connections are closed only when idle, never while the server
 * owes an answer (issue 17, deliverable 7). Bun's `idleTimeout` (10 s unless
 * set) is a socket inactivity timer that also runs while a request is being
 * answered: a write waiting for its group commit, a request a reader thread
 * forwarded to the main thread, or a `min_tree_size` wait (up to
 * `STEMEDB_MIN_TREE_SIZE_WAIT_MS`, 60 s at most) that stays silent longer than
 * that was cut off with no answer — the client saw "other side closed", and
 * for a write could not tell whether it was recorded.
 *
 * - `idleTimeout` is the setting `STEMEDB_HTTP_IDLE_TIMEOUT_S` (default 75 s:
 *   above the 60 s for which nginx, ops/nginx, keeps idle upstream connections
 *   and many client pools keep theirs, so the server is not the side that
 *   closes a connection a client is about to reuse).
 * - Every response says so (`Keep-Alive: timeout=N`, RFC 9112 §9.3's hint):
 *   clients that honour it (undici, Node's fetch) retire an idle connection
 *   before the server closes it, instead of racing a request against the FIN.
 * - Once a request's headers are in, its connection gets `WORK_TIMEOUT_S`
 *   instead (`server.timeout`): a bound on silence while the answer is worked
 *   on that no legitimate wait reaches, which still drops a client that stalls
 *   its body forever. After the answer the idle timeout applies again.
 */
import type { Config } from "../config.ts";

/** Longest silence on a connection while its request is being answered (Bun's maximum is 255). */
export const WORK_TIMEOUT_S = 240;

type Fetch<S> = (request: Request, server: S) => Response | Promise<Response>;

/**
 * `fetch`, with the connection's timeout raised to `WORK_TIMEOUT_S` while each
 * request is answered and set back to the idle timeout once the answer is
 * ready (Bun keeps a request's timeout until the next request otherwise).
 */
export function answerBeforeTimeout<S extends Bun.Server<undefined>>(
  fetch: Fetch<S>,
  idleTimeoutS: number,
): Fetch<S> {
  return (request, server) => {
    server.timeout(request, WORK_TIMEOUT_S);
    const answer = fetch(request, server);
    const idle = (response: Response): Response => {
      server.timeout(request, idleTimeoutS);
      return response;
    };
    return answer instanceof Promise ? answer.then(idle) : idle(answer);
  };
}

/** The `Keep-Alive` response header for `config`: the idle time after which the server may close. */
export const keepAliveHeader = (config: Pick<Config, "httpIdleTimeoutS">): string =>
  `timeout=${config.httpIdleTimeoutS}`;
