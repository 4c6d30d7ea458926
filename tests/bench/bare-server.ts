/**
 * The HTTP floor H of SPEC §9: a bare `Bun.serve` answering the same kind of
 * request StemeDB gets, with none of its work. POST: reads and parses the JSON
 * body and answers 201 with a small JSON object (no validation, hashing,
 * signature or storage). GET: parses the URL's query parameters and answers
 * 200 with a small JSON object naming the concept asked (no look-up). Prints
 * `listening <url>`; SIGTERM exits.
 *
 *   bun tests/bench/bare-server.ts
 */
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    if (req.method === "POST") {
      const doc = (await req.json()) as { concept?: unknown };
      return Response.json({ ok: true, concept: doc.concept ?? null }, { status: 201 });
    }
    if (req.method === "GET") {
      const params = new URL(req.url).searchParams;
      return Response.json({ results: [], concept: params.get("concept"), tree_size: 0 });
    }
    return new Response("not found", { status: 404 });
  },
});
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
process.stdout.write(`listening ${server.url.href.replace(/\/$/, "")}\n`);
