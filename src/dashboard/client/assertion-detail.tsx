/** @jsxImportSource hono/jsx/dom */
/**
 * One assertion's detail (SPEC §2, §3) and its checks, all run in this
 * browser by the SDK's own code: the id recomputed from the RFC 8785 bytes,
 * the agent's Ed25519 signature (@noble/ed25519), the current signed tree
 * head's signature, and the inclusion proof of the assertion in that tree
 * (RFC 9162 §2.1.3.2). The server key is pinned at its first sight in this
 * browser session: a tree head signed by another key fails. A redacted
 * assertion (SPEC §12) has no body: it is checked under the verifier rule
 * (its redaction, verified here, later in the tree by its own inclusion
 * proof, by an operator key this page names) and by its leaf's inclusion
 * proof. Each inclusion proof must put its leaf at the seq the server names.
 */
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { computeAssertionId } from "../../client/assertion-id.ts";
import { checkRedactedView } from "../../client/check-redacted-view.ts";
import type {
  InclusionProof,
  RedactedAssertionView,
  SignedTreeHead,
  StoredAssertionView,
} from "../../client/client-types.ts";
import { type AssertionVerdict, isRedactedView } from "../../client/verify-assertion.ts";
import { leafSeqProblem } from "../../client/verify-proof.ts";
import { treeHeadProblem } from "../../client/verify-tree-head.ts";
import { nobleVerifyAssertion } from "../../protocol/sign.ts";
import { apiClient, errorText } from "./api.ts";
import { fmtDecimal, fmtTime } from "./format.ts";
import { Badge, ErrorNote, Figure, JsonValue, Panel } from "./ui.tsx";

const PINNED_KEY = "stemedb.serverKey";

interface Redacted {
  view: RedactedAssertionView;
  verdict: AssertionVerdict;
  sth: SignedTreeHead;
  proof: InclusionProof;
  proofProblem: string | undefined;
}

interface Checks {
  view: StoredAssertionView;
  idOk: boolean;
  sigOk: boolean;
  sth: SignedTreeHead;
  pinned: string;
  sthProblem: string | undefined;
  proof: InclusionProof;
  proofProblem: string | undefined;
}

async function check(id: string): Promise<Checks | Redacted> {
  const client = apiClient();
  const [view, sth] = await Promise.all([client.get(id), client.root()]);
  const pinned = sessionStorage.getItem(PINNED_KEY) ?? sth.server_key;
  sessionStorage.setItem(PINNED_KEY, pinned);
  const proof = await client.inclusionProof(id, sth.tree_size);
  // The leaf must be the seq the server names (SPEC §12 compares seqs: each is the tree's).
  const proofProblem = treeHeadProblem(sth, pinned) ?? leafSeqProblem(id, view.seq, proof, sth);
  if (isRedactedView(view)) {
    const verdict = await checkRedactedView(client, id, view, sth);
    return { view, verdict, sth, proof, proofProblem };
  }
  return {
    view,
    idOk: computeAssertionId(view.assertion) === id,
    sigOk: nobleVerifyAssertion(view.assertion),
    sth,
    pinned,
    sthProblem: treeHeadProblem(sth, pinned),
    proof,
    proofProblem: leafSeqProblem(id, view.seq, proof, sth),
  };
}

function Check(props: { ok: boolean; label: string; problem?: string | undefined }) {
  return (
    <li class={props.ok ? "check ok" : "check bad"}>
      <span aria-hidden="true">{props.ok ? "✓" : "✗"}</span> {props.label}
      {props.ok ? null : <span class="problem">: {props.problem ?? "failed"}</span>}
    </li>
  );
}

function RedactedDetail(props: { r: Redacted }) {
  const { view, verdict, proof, proofProblem } = props.r;
  const by = verdict.ok ? verdict.redacted : undefined;
  const ok = verdict.ok && proofProblem === undefined;
  return (
    <div class="detail">
      <div class="verdict" role="status" data-testid="proof-verdict" data-ok={String(ok)}>
        {ok ? (
          <Badge tone="ok">redacted; proofs verified</Badge>
        ) : (
          <Badge tone="bad">verification failed</Badge>
        )}
        <ul class="checks">
          <Check
            ok={verdict.ok}
            label={`a later redaction by operator key ${by?.operator ?? "?"} (not pinned: judge the key)`}
            problem={verdict.ok ? undefined : verdict.problem}
          />
          <Check
            ok={proofProblem === undefined}
            label={`inclusion proof: leaf ${proof.leaf_index} of ${proof.tree_size}`}
            problem={proofProblem}
          />
        </ul>
      </div>
      <dl>
        <Figure label="Id" value={<code class="hex wrap">{view.id}</code>} />
        <Figure
          label="Status"
          value="redacted"
          note="its content was removed for good (SPEC §12)"
        />
        <Figure label="Seq" value={String(view.seq)} />
        <Figure label="Reason" value={<code>{view.redaction?.reason ?? "-"}</code>} />
        <Figure
          label="Redaction"
          value={<code class="hex wrap">{view.redaction?.id ?? "-"}</code>}
          note={view.redaction ? `seq ${view.redaction.seq}` : undefined}
        />
      </dl>
    </div>
  );
}

export function AssertionDetail(props: { id: string; onClose: () => void }) {
  const [checks, setChecks] = useState<Checks | Redacted | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const top = useRef<HTMLDivElement>(null);
  useEffect(() => {
    top.current?.scrollIntoView({ block: "start" });
    top.current?.focus();
    setChecks(undefined);
    setError(undefined);
    check(props.id).then(setChecks, (e) => setError(errorText(e)));
  }, [props.id]);
  const redacted = checks !== undefined && "verdict" in checks ? checks : undefined;
  const c = checks !== undefined && "idOk" in checks ? checks : undefined;
  const a = c?.view.assertion;
  const verified = c?.idOk === true && c.sigOk && !c.sthProblem && !c.proofProblem;
  return (
    <Panel title="Assertion" id="detail" wide>
      <div ref={top} tabindex={-1} class="anchor" />
      <button type="button" class="secondary small close" onClick={props.onClose}>
        Close
      </button>
      <ErrorNote error={error} />
      {redacted ? (
        <RedactedDetail r={redacted} />
      ) : c === undefined || a === undefined ? (
        error ? null : (
          <p class="muted">Verifying…</p>
        )
      ) : (
        <div class="detail">
          <div class="verdict" role="status" data-testid="proof-verdict" data-ok={String(verified)}>
            {verified ? (
              <Badge tone="ok">verified in this browser</Badge>
            ) : (
              <Badge tone="bad">verification failed</Badge>
            )}
            <ul class="checks">
              <Check
                ok={c.idOk}
                label="id = BLAKE3 of the RFC 8785 bytes"
                problem="id does not match the content"
              />
              <Check
                ok={c.sigOk}
                label="agent's Ed25519 signature"
                problem="signature does not verify"
              />
              <Check
                ok={!c.sthProblem}
                label={`tree head of size ${c.sth.tree_size} signed by the server key`}
                problem={c.sthProblem}
              />
              <Check
                ok={!c.proofProblem}
                label={`inclusion proof: leaf ${c.proof.leaf_index} of ${c.proof.tree_size}`}
                problem={c.proofProblem}
              />
            </ul>
          </div>
          <dl>
            <Figure label="Id" value={<code class="hex wrap">{c.view.id}</code>} />
            <Figure label="Status" value={c.view.status} note={c.view.reasons?.join(", ")} />
            <Figure
              label="Seq"
              value={String(c.view.seq)}
              note={`received ${fmtTime(c.view.received_at)}`}
            />
            <Figure label="Concept" value={<code>{a.concept}</code>} />
            <Figure label="Predicate" value={<code>{a.predicate}</code>} />
            <Figure label="Value" value={<JsonValue value={a.value} />} />
            <Figure label="Confidence" value={fmtDecimal(a.confidence ?? 1)} />
            <Figure label="Claim time" value={fmtTime(a.ts)} />
            <Figure label="Agent" value={<code class="hex wrap">{a.agent}</code>} />
            {a.retracts ? (
              <Figure label="Retracts" value={<code class="hex wrap">{a.retracts}</code>} />
            ) : null}
            {a.evidence?.length ? <Figure label="Evidence" value={a.evidence.join(" · ")} /> : null}
            <Figure label="Signature" value={<code class="hex wrap">{a.sig}</code>} />
          </dl>
          <details>
            <summary>Proof and tree head</summary>
            <dl>
              <Figure label="Root" value={<code class="hex wrap">{c.sth.root}</code>} />
              <Figure
                label="Server key"
                value={<code class="hex wrap">{c.sth.server_key}</code>}
                note={c.pinned === c.sth.server_key ? "pinned this session" : `pinned: ${c.pinned}`}
              />
              <Figure
                label="STH signature"
                value={<code class="hex wrap">{c.sth.signature}</code>}
              />
              <Figure
                label="Audit path"
                value={
                  <ol class="path">
                    {c.proof.audit_path.map((h) => (
                      <li>
                        <code class="hex wrap">{h}</code>
                      </li>
                    ))}
                  </ol>
                }
              />
            </dl>
          </details>
        </div>
      )}
    </Panel>
  );
}
