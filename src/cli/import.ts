/**
 * `stemedb import FILE|-`: bulk ingest of NDJSON, one assertion per line, sent
 * through the SDK as `application/x-ndjson` batches of --batch lines. Signed
 * lines go as they are; with --key, unsigned objects are signed first (`v`,
 * `agent`, `ts` filled in when absent). A line that does not parse is sent as
 * is, so the server reports it (`bad_json`) like any other rejected item.
 * On a terminal a progress bar runs on stderr; in any case the end is one
 * summary line on stdout. Exit 1 when an item was rejected or a batch failed.
 *
 * Back-off: a whole batch answered 429/503 is sent again after its
 * Retry-After (a few times). Items a 200 batch rejects as `rate_limited` (the
 * per-agent limit, SPEC §6) are sent again, alone, after a back-off that
 * starts at 250 ms, doubles (up to 8 s) while no item gets through and stays
 * put while some do; after 6 rounds in a row without progress they count as
 * rejected.
 */
import { createReadStream, statSync } from "node:fs";
import { createInterface } from "node:readline";
import cliProgress from "cli-progress";
import { Command, Option } from "commander";
import { StemeClientError } from "../client/client-error.ts";
import type { BatchReceipt } from "../client/client-types.ts";
import { readAgentKeyFile } from "../client/key-file.ts";
import type { StemeClient } from "../client/steme-client.ts";
import { toHex } from "../hex.ts";
import type { UnsignedAssertion } from "../protocol/assertion.ts";
import { type AgentKey, signAssertion } from "../protocol/sign.ts";
import { CliExit, type CliIo } from "./cli-io.ts";
import { clientConfig, keyOption, makeClient, parsePositive, urlOption } from "./cli-options.ts";
import { describeClientError } from "./report-error.ts";

const SHOWN_ERRORS = 20;
const MAX_RETRIES = 5;
const RATE_BACKOFF_MS = { first: 250, max: 8000 };
const RATE_ROUNDS_WITHOUT_PROGRESS = 6;

interface ImportOptions {
  url?: string;
  key?: string;
  batch: number;
}

interface Totals {
  lines: number;
  accepted: number;
  duplicates: number;
  quarantined: number;
  rejected: number;
}

export function importCommand(io: CliIo): Command {
  return new Command("import")
    .description("bulk-import NDJSON assertions from a file or stdin (-)")
    .argument("<file>", "NDJSON file, or - for stdin")
    .addOption(urlOption())
    .addOption(keyOption("agent key file: sign the lines that carry no sig"))
    .addOption(
      new Option("--batch <n>", "assertions per request").argParser(parsePositive).default(1000),
    )
    .addHelpText(
      "after",
      "\nPrints one summary line: accepted, duplicates, quarantined, rejected.\n" +
        "A batch answered 429/503 is sent again after its Retry-After; items refused as\n" +
        "rate_limited inside a batch are sent again with back-off until they get through.\n" +
        "Exit codes: 0 all recorded, 1 an item was rejected or a request failed, 2 usage error.\n",
    )
    .action(async (file: string, options: ImportOptions) => {
      const settings = clientConfig(options, io);
      const key = settings.agentKey === undefined ? undefined : readAgentKeyFile(settings.agentKey);
      const client = makeClient(settings.url, io);
      const totalBytes = file === "-" ? undefined : fileSize(file);
      const input = file === "-" ? io.stdin() : createReadStream(file);
      const totals: Totals = { lines: 0, accepted: 0, duplicates: 0, quarantined: 0, rejected: 0 };
      const bar = progressBar(io, totalBytes);
      let shown = 0;
      const reportRejects = (receipt: BatchReceipt, lineNumbers: number[], skip: Set<number>) => {
        for (const r of receipt.results) {
          if (r.status !== "rejected" || skip.has(r.index)) continue;
          if (shown++ < SHOWN_ERRORS) {
            const e = r.error;
            const where = e?.field == null ? "" : ` (field ${e.field})`;
            io.stderr(`line ${lineNumbers[r.index]}: ${e?.code}: ${e?.detail}${where}\n`);
          }
        }
      };

      let batch: string[] = [];
      let lineNumbers: number[] = [];
      let bytes = 0;
      let lineNo = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        totals.lines += batch.length;
        let pending = batch;
        let pendingLines = lineNumbers;
        let delayMs = RATE_BACKOFF_MS.first;
        for (let stalled = 0; pending.length > 0; ) {
          let receipt: BatchReceipt;
          try {
            receipt = await sendWithRetry(client, pending, io);
          } catch (e) {
            bar?.stop();
            io.stdout(`${summary(totals)}\n`);
            const what = e instanceof StemeClientError ? describeClientError(e) : String(e);
            throw new CliExit(1, `lines ${pendingLines[0]}–${lineNo}: batch failed: ${what}`);
          }
          const limited = receipt.results.filter(
            (r) => r.status === "rejected" && r.error?.code === "rate_limited",
          );
          stalled = limited.length === pending.length ? stalled + 1 : 0;
          const retry = limited.length > 0 && stalled < RATE_ROUNDS_WITHOUT_PROGRESS;
          const retried = new Set(retry ? limited.map((r) => r.index) : []);
          totals.accepted += receipt.accepted;
          totals.duplicates += receipt.duplicates;
          totals.quarantined += receipt.quarantined;
          totals.rejected += receipt.rejected - retried.size;
          reportRejects(receipt, pendingLines, retried);
          if (!retry) break;
          if (stalled > 0) delayMs = Math.min(delayMs * 2, RATE_BACKOFF_MS.max);
          io.stderr(`${retried.size} item(s) rate limited; sending them again in ${delayMs} ms\n`);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          pending = limited.map((r) => pending[r.index] as string);
          pendingLines = limited.map((r) => pendingLines[r.index] as number);
        }
        batch = [];
        lineNumbers = [];
        bar?.update(totalBytes === undefined ? totals.lines : bytes, { lines: totals.lines });
      };

      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      try {
        for await (const line of lines) {
          lineNo++;
          bytes += Buffer.byteLength(line) + 1;
          if (line.trim() === "") continue;
          batch.push(key === undefined ? line : signLine(line, key, io));
          lineNumbers.push(lineNo);
          if (batch.length >= options.batch) await flush();
        }
      } catch (e) {
        bar?.stop();
        if (e instanceof CliExit) throw e;
        throw new CliExit(
          1,
          `cannot read ${file === "-" ? "stdin" : file}: ${(e as Error).message}`,
        );
      }
      await flush();
      bar?.update(totalBytes ?? totals.lines, { lines: totals.lines });
      bar?.stop();
      if (shown > SHOWN_ERRORS) io.stderr(`… and ${shown - SHOWN_ERRORS} more rejected\n`);
      io.stdout(`${summary(totals)}\n`);
      if (totals.rejected > 0) throw new CliExit(1);
    });
}

function summary(t: Totals): string {
  return `imported ${t.lines} line(s): accepted ${t.accepted}, duplicates ${t.duplicates}, quarantined ${t.quarantined}, rejected ${t.rejected}`;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (e) {
    throw new CliExit(1, `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Signs a line holding an unsigned assertion object; anything else passes through. */
function signLine(line: string, key: AgentKey, io: CliIo): string {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return line; // the server rejects it as bad_json, with its line number
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return line;
  const record = doc as Record<string, unknown>;
  if (record.sig !== undefined) return line;
  const unsigned = {
    ...record,
    v: record.v ?? 1,
    agent: record.agent ?? toHex(key.publicKey),
    ts: record.ts ?? io.now(),
  } as UnsignedAssertion;
  try {
    return JSON.stringify(signAssertion(unsigned, key.secretKey));
  } catch {
    return line; // not signable (e.g. another agent's key): let the server say why
  }
}

/** Sends one batch; waits out 429/503 answers (Retry-After) a few times before giving up. */
async function sendWithRetry(client: StemeClient, batch: string[], io: CliIo) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.assertNdjson(batch);
    } catch (e) {
      const retryable = e instanceof StemeClientError && (e.status === 429 || e.status === 503);
      if (!retryable || attempt >= MAX_RETRIES) throw e;
      const seconds = Math.min(e.retryAfter ?? 1, 30);
      io.stderr(`server busy (${e.code}); retrying in ${seconds}s\n`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}

function progressBar(io: CliIo, totalBytes: number | undefined) {
  if (io.progressStream === undefined) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: io.progressStream,
      format:
        totalBytes === undefined
          ? "importing {value} lines"
          : "importing [{bar}] {percentage}% | {lines} lines | eta {eta_formatted}",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalBytes ?? 0, 0, { lines: 0 });
  return bar;
}
