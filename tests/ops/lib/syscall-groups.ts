/**
 * systemd's syscall groups, read from `systemd-analyze syscall-filter` (the
 * installed systemd's own table), and the set a unit's `SystemCallFilter=`
 * lines allow: an allow list first, then `~` lines removing from it
 * (systemd.exec(5), "SystemCallFilter=").
 */
import { run } from "./ops-tool.ts";

export type SyscallGroups = Map<string, string[]>;

export async function syscallGroups(systemdAnalyze: string): Promise<SyscallGroups> {
  const { code, stdout, stderr } = await run([systemdAnalyze, "syscall-filter"]);
  if (code !== 0) throw new Error(`systemd-analyze syscall-filter failed: ${stderr}`);
  const groups: SyscallGroups = new Map();
  let current: string[] | undefined;
  for (const line of stdout.split("\n")) {
    if (/^@[a-z-]+$/.test(line)) {
      current = [];
      groups.set(line, current);
    } else if (/^\S/.test(line) || line.trim() === "") current = undefined;
    else if (current && /^\s+[@a-z0-9_-]+$/.test(line)) current.push(line.trim());
  }
  return groups;
}

function expand(groups: SyscallGroups, names: string[], into = new Set<string>()): Set<string> {
  for (const name of names) {
    if (!name.startsWith("@")) into.add(name);
    else {
      const members = groups.get(name);
      if (members === undefined) throw new Error(`unknown syscall group ${name}`);
      expand(groups, members, into);
    }
  }
  return into;
}

/** The syscalls a unit file's `SystemCallFilter=` lines allow. */
export function allowedSyscalls(unitText: string, groups: SyscallGroups): Set<string> {
  const lines = [...unitText.matchAll(/^SystemCallFilter=(.*)$/gm)].map((m) => (m[1] ?? "").trim());
  const [first, ...rest] = lines;
  if (first === undefined || first.startsWith("~")) {
    throw new Error("the unit must start with an allow list (SystemCallFilter=@system-service)");
  }
  const allowed = expand(groups, first.split(/\s+/));
  for (const line of rest) {
    const deny = line.startsWith("~");
    const names = (deny ? line.slice(1) : line).trim().split(/\s+/);
    for (const s of expand(groups, names)) {
      if (deny) allowed.delete(s);
      else allowed.add(s);
    }
  }
  return allowed;
}
