/**
 * The StemeDB TypeScript SDK: a client for the HTTP API, signing with
 * @noble/ed25519, and local verification of tree heads and Merkle proofs.
 * Nothing here needs the server's modules or native crypto.
 */

export {
  type AgentKey,
  agentPublicKey,
  generateAgentKey,
  nobleVerifyAssertion,
  signAssertion,
} from "../protocol/sign.ts";
export { computeAssertionId } from "./assertion-id.ts";
export { checkRedactedView, type RedactionReader } from "./check-redacted-view.ts";
export { isStemeClientError, type Problem, StemeClientError } from "./client-error.ts";
export type * from "./client-types.ts";
export {
  formatAgentKey,
  parseAgentKey,
  readAgentKeyFile,
  writeAgentKeyFile,
} from "./key-file.ts";
export { type FetchLike, StemeClient, type StemeClientOptions } from "./steme-client.ts";
export {
  type AssertionVerdict,
  bodyProblem,
  isRedactedView,
  verifyAssertionView,
} from "./verify-assertion.ts";
export {
  consistencyProblem,
  inclusionProblem,
  leafSeqProblem,
  verifyConsistencyProof,
  verifyInclusionProof,
} from "./verify-proof.ts";
export { treeHeadProblem, verifyTreeHead } from "./verify-tree-head.ts";
