/**
 * A local directory as a backup target (SPEC §7: a target URL may be a path).
 * `put` writes into `.partial/` under the root, fsyncs, then hard-links the file
 * to its key — `link` fails if the key exists, so an object is never replaced —
 * and fsyncs the directory (every directory the put created, the root's own
 * name included, is made durable first: src/durable-file.ts). A crash mid-put leaves only a `.partial/` file,
 * which `list` and `get` never see and the next `put` of that key replaces.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { mkdirDurable, syncDirectory } from "../durable-file.ts";
import { StemeError } from "../errors.ts";
import { type BackupTarget, type ObjectInfo, oneChunk, type PurgeReport } from "./backup-target.ts";

const PARTIAL = ".partial";
const READ_CHUNK = 1024 * 1024;
const KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export function checkKey(key: string): void {
  if (!KEY.test(key) || key.split("/").some((s) => s === "." || s === ".." || s === PARTIAL)) {
    throw new TypeError(`bad backup object key: ${JSON.stringify(key)}`);
  }
}

export class DirTarget implements BackupTarget {
  readonly url: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
    this.url = this.#root;
  }

  put(key: string, body: Uint8Array): Promise<void> {
    return this.putChunks(key, oneChunk(body));
  }

  async putChunks(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    checkKey(key);
    const final = join(this.#root, key);
    const partialDir = join(this.#root, PARTIAL);
    let partial: string | undefined;
    // Refused before any byte is written (a large object streams for a while); `link` still decides.
    if (existsSync(final)) {
      throw new StemeError("already_exists", `backup object ${key} already exists`, {
        object: key,
      });
    }
    try {
      // Durable names for every directory made here, the root's own included:
      // a backup into a new directory must not vanish in a power cut.
      mkdirDurable(partialDir);
      mkdirDurable(dirname(final));
      partial = join(partialDir, key.replaceAll("/", "__"));
      const fd = openSync(partial, "w", 0o600);
      try {
        for await (const body of chunks) {
          for (let at = 0; at < body.length; ) at += writeSync(fd, body, at);
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      linkSync(partial, final);
    } catch (e) {
      if (partial !== undefined) rmSync(partial, { force: true });
      if ((e as NodeJS.ErrnoException).code === "EEXIST") {
        throw new StemeError("already_exists", `backup object ${key} already exists`, {
          object: key,
        });
      }
      if (e instanceof StemeError) throw e; // from the chunks' source
      throw new StemeError("backup_unavailable", `cannot write ${final}`, { object: key }, e);
    }
    rmSync(partial, { force: true });
    // The new name must survive a crash (its directories' names already do).
    syncDirectory(dirname(final));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkKey(key);
    try {
      return new Uint8Array(readFileSync(join(this.#root, key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StemeError("backup_unavailable", `cannot read ${key}`, { object: key }, e);
    }
  }

  async getChunks(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    checkKey(key);
    const path = join(this.#root, key);
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw new StemeError("backup_unavailable", `cannot read ${key}`, { object: key }, e);
    }
    return readChunks(fd, key);
  }

  async list(prefix: string, startAfter = ""): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = (rel: string) => {
      let names: string[];
      try {
        names = readdirSync(rel === "" ? this.#root : join(this.#root, rel));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw new StemeError("backup_unavailable", `cannot list ${this.#root}`, {}, e);
      }
      for (const name of names) {
        if (rel === "" && name === PARTIAL) continue;
        const key = rel === "" ? name : `${rel}/${name}`;
        // Skip subtrees that cannot hold a key under the prefix.
        if (!key.startsWith(prefix) && !prefix.startsWith(`${key}/`)) continue;
        let st: ReturnType<typeof statSync>;
        try {
          st = statSync(join(this.#root, key));
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // deleted meanwhile
          throw new StemeError("backup_unavailable", `cannot list ${key}`, { object: key }, e);
        }
        if (st.isDirectory()) walk(key);
        else if (key.startsWith(prefix) && key > startAfter) out.push({ key, size: st.size });
      }
    };
    walk("");
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    rmSync(join(this.#root, key), { force: true });
  }

  /** A directory keeps no versions. */
  async purge(key: string): Promise<PurgeReport> {
    await this.delete(key);
    return { versioning: "off", versions: 0 };
  }
}

/** The file's bytes in chunks of up to 1 MiB (fresh buffers: a consumer may keep them); closes it. */
async function* readChunks(fd: number, key: string): AsyncGenerator<Uint8Array> {
  try {
    for (let at = 0; ; ) {
      const buf = new Uint8Array(READ_CHUNK);
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, at);
      } catch (e) {
        throw new StemeError("backup_unavailable", `cannot read ${key}`, { object: key }, e);
      }
      if (n === 0) return;
      at += n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}
