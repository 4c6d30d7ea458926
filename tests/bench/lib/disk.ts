/** Bytes a directory takes on disk, as `du` counts them (allocated blocks). */
export function duBytes(path: string): number {
  const r = Bun.spawnSync(["du", "-s", "--block-size=1", path], { stdout: "pipe", stderr: "pipe" });
  const bytes = Number(r.stdout.toString().split(/\s/)[0]);
  if (r.exitCode !== 0 || !Number.isFinite(bytes)) {
    throw new Error(`du ${path} failed: ${r.stderr.toString()}`);
  }
  return bytes;
}
