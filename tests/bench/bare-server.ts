/**
 * The HTTP ceiling for single-assertion POSTs (SPEC §9 baseline): a bare
 * `Bun.serve` that reads and parses the same JSON body StemeDB gets and answers
 * 201 with a small JSON object — no validation, hashing, signature or storage.
 * Prints `listening <url>`; SIGTERM exits.
 *
 *   bun tests/bench/bare-server.ts
 */
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    if (req.method !== "POST") return new Response("not found", { status: 404 });
    const doc = (await req.json()) as { concept?: unknown };
    return Response.json({ ok: true, concept: doc.concept ?? null }, { status: 201 });
  },
});
process.once("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
process.stdout.write(`listening ${server.url.href.replace(/\/$/, "")}\n`);
