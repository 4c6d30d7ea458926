/** @jsxImportSource hono/jsx/dom */
/**
 * Agents shown by name where the registry knows them. The registry is admin
 * data: names are looked up only when this browser session holds the admin
 * token (read once per page, up to 1000 agents); otherwise, and for agents
 * not registered, the key is shown shortened, in full in its title.
 */
import { useEffect, useState } from "hono/jsx/dom";
import { adminToken, apiClient } from "./api.ts";
import { Hex } from "./ui.tsx";

let names: Promise<Map<string, string>> | undefined;

function loadNames(): Promise<Map<string, string>> {
  const token = adminToken();
  if (token === undefined) return Promise.resolve(new Map());
  names ??= apiClient(token)
    .listAgents({ limit: 1000 })
    .then(
      (list) =>
        new Map(
          list.agents.flatMap((a) => (a.name ? [[a.agent, a.name] as [string, string]] : [])),
        ),
      () => new Map<string, string>(),
    );
  return names;
}

/** Forget the cached names (after the registry changed). */
export function refreshAgentNames(): void {
  names = undefined;
}

export function AgentLabel(props: { agent: string; chars?: number }) {
  const [name, setName] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void loadNames().then((m) => {
      if (live) setName(m.get(props.agent));
    });
    return () => {
      live = false;
    };
  }, [props.agent]);
  if (name === undefined) return <Hex value={props.agent} chars={props.chars ?? 8} />;
  return (
    <span class="agent-name" title={props.agent}>
      {name}
    </span>
  );
}
